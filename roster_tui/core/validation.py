"""Field and row validation of the roster rules (docs/RULES.md); shared by the importer and the profile screen.

``validate_field`` / ``clean_field`` check one value; :class:`RowValidator` checks an import row cell by
cell (the second pass over a file; the first is :mod:`roster_tui.core.key_scan`). Every cell is trimmed by
:func:`clean_cell`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from roster_tui.core.csv_reader import INVALID_BYTE, ImportFileError, show_invalid
from roster_tui.core.issues import Hint, Issue, Where
from roster_tui.core.mapping import FIELD_LABELS, ResolvedMapping
from roster_tui.core.models import SyncKey

#: A cell holding exactly this clears an optional field.
CLEAR = "[clear]"
MAX_LENGTH = 256
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
INACTIVE_WORDS = frozenset({"inactive", "terminated", "disabled", "false", "0"})
ACTIVE_WORDS = frozenset({"active", "enabled", "true", "1"})
REQUIRED_FOR_CREATE = ("email", "first_name", "last_name")
#: Fields whose values are parsed, not only length- and control-checked; the other (text) fields may hold a
#: tab or a line break, as the service accepts.
CHECKED = frozenset({"email", "hire_date", "status"})
MEMO_SIZE = 10_000
#: Distinct non-ISO hire dates the first pass keeps for :func:`propose_date_formats`.
MAX_DATE_VALUES = 10_000
#: The formats :func:`propose_date_formats` tries: what spreadsheets write, with Excel's date-and-time styles.
DATE_FORMATS = (
    "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%Y/%m/%d", "%d.%m.%Y", "%d.%m.%y", "%d-%m-%Y", "%m-%d-%Y",
    "%d %b %Y", "%b %d %Y", "%b %d, %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%B %d, %Y",
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
)
#: Code points of whitespace and of the invisible Unicode space (Zs) and format (Cf) characters (Unicode 14).
_BLANK_RANGES = (
    (0x0009, 0x000D), (0x001C, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0), (0x00AD, 0x00AD), (0x0600, 0x0605),
    (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x1680, 0x1680),
    (0x180E, 0x180E), (0x2000, 0x200F), (0x2028, 0x202F), (0x205F, 0x2064), (0x2066, 0x206F), (0x3000, 0x3000),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)
#: What :func:`clean_cell` trims: a cell of only these is blank.
BLANKS = "".join(chr(c) for first, last in _BLANK_RANGES for c in range(first, last + 1))

_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks allowed
#: What sends a non-ASCII row off the fast path: a control character, an invalid byte, or a blank that
#: ``str.strip`` does not trim (any non-BMP character: one range keeps the search fast).
_SUSPECT = re.compile("[\x00-\x1f\x7f\udc80-\udcff" + "".join(
    f"{chr(first)}-{chr(last)}" for first, last in _BLANK_RANGES if 0x7f < first <= 0xffff) + "\U00010000-\U0010ffff]")
_CONTROL_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a line break"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9_+'-]+(?:\.[A-Za-z0-9_+'-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_EMAIL: Any = object()  # RowValidator.items: checked by email_error, not memoized (each address is new)
_SPECIAL_TLDS = ("arpa", "invalid", "local", "localhost", "onion", "test")


def needs_escape(value: str) -> bool:
    """Whether an export writes ``value`` with a leading ``'``: it starts (after any ``'``) with ``= + - @``,
    tab or CR."""
    rest = value.lstrip("'")
    return bool(rest) and rest[0] in FORMULA_START


def clean_cell(value: str) -> str:
    """A cell trimmed of whitespace and invisible characters (:data:`BLANKS`): how every cell (and a stored
    value compared with one) is read. A cell of only such characters is blank."""
    return value.strip(BLANKS)


def unescape_cell(value: str) -> str:
    """A cell cleaned (:func:`clean_cell`), without the one leading ``'`` a spreadsheet-safe export put before
    ``= + - @``."""
    value = value.strip(BLANKS)
    if value[:1] == "'" and needs_escape(value[1:]):
        return value[1:]
    return value


def email_key(value: str) -> str:
    """How emails are compared: trimmed, case-insensitive."""
    return value.strip().lower()


def employee_key(value: str) -> str:
    """How employee IDs are compared: trimmed, case-insensitive (the service keeps them unique so)."""
    return value.strip().casefold()


def email_error(value: str) -> str | None:
    """Why ``value`` is not an email address (None when it is); the one email check of the service, the
    importer and the console. Plain addresses take a fast path; anything else goes to email-validator."""
    if len(value) <= 254 and _SIMPLE_EMAIL.fullmatch(value):
        local, _, domain = value.rpartition("@")
        lowered = domain.lower()
        if len(local) <= 64 and "--" not in domain and not lowered.endswith(_SPECIAL_TLDS):
            return None
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return f"{value!r} is not a valid email: {exc}"
    except Exception as exc:  # pragma: no cover - the library should only raise the above
        return f"{value!r} is not a valid email ({type(exc).__name__})"
    return None


def check_date_format(fmt: str) -> None:
    """Raise unless ``fmt`` is a strftime format with a day, a month and a year."""
    if "%d" not in fmt or not any(d in fmt for d in ("%m", "%b", "%B")) or not any(
            d in fmt for d in ("%Y", "%y")):
        raise ImportFileError(f"the date format {fmt!r} needs a day (%d), a month (%m, %b) and a year (%Y)",
                              hint="For example '%m/%d/%Y' or '%d.%m.%Y'")
    try:
        datetime(2001, 2, 3).strftime(fmt)
    except ValueError as exc:
        raise ImportFileError(f"the date format {fmt!r}: {exc}") from None


def propose_date_formats(values: Iterable[str]) -> list[str]:
    """The :data:`DATE_FORMATS` under which every value parses (formats giving the very same dates count once).

    One: it is the file's format. Two or more: the values fit several (e.g. no day above 12), ask. None: no
    known format fits every value.
    """
    values = list(dict.fromkeys(values))
    found: list[tuple[str, list[date]]] = []
    if not values:
        return []
    strptime = datetime.strptime
    for fmt in DATE_FORMATS:
        try:
            dates = [strptime(v, fmt).date() for v in values]  # stops at the first value that does not fit
        except ValueError:
            continue
        if all(dates != other for _, other in found):
            found.append((fmt, dates))
    return [fmt for fmt, _ in found]


def parse_date(value: str, date_format: str | None = None) -> tuple[str | None, str | None]:
    """``(iso_date, None)`` or ``(None, error)``: ISO ``YYYY-MM-DD`` or the declared format, never a guess."""
    if date_format:
        try:
            return datetime.strptime(value, date_format).date().isoformat(), None
        except ValueError:
            pass
    if ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, f"{value!r} is not a valid date"
    if date_format:
        return None, f"{value!r} is not a date in the declared format {date_format} nor YYYY-MM-DD"
    return None, (f"{value!r} is not an ISO date (YYYY-MM-DD); if the file uses another format, "
                  "declare the file's date format, e.g. %m/%d/%Y")


def telling_examples(values: Iterable[str], formats: list[str]) -> list[str]:
    """How each of ``formats`` reads one of ``values`` that tells them apart: ``%m/%d/%Y: 03/04/2021 is 2021-03-04``."""
    for value in sorted(values):
        read = [parse_date(value, f)[0] for f in formats]
        if len(set(read)) == len(formats):
            return [f"{f}: {value} is {iso}" for f, iso in zip(formats, read, strict=True)]
    return list(formats)


def parse_status(value: str) -> tuple[str | None, str | None]:
    """``("active" | "inactive", None)`` or ``(None, error)``."""
    word = value.strip().lower()
    if word in INACTIVE_WORDS:
        return "inactive", None
    if word in ACTIVE_WORDS:
        return "active", None
    return None, f"unknown status {value!r}: use active or inactive"


def invalid_bytes_error(value: str) -> str:
    """The message for a cell holding bytes that are not UTF-8 (read with ``surrogateescape``)."""
    bad = dict.fromkeys(f"\\x{ord(c) - 0xdc00:02x}" for c in INVALID_BYTE.findall(value))
    shown = show_invalid(value)
    if len(shown) > 60:
        shown = shown[:59] + "…"
    return (f"invalid UTF-8 byte{'s' if len(bad) > 1 else ''} {' '.join(bad)} in '{shown}' (the file mixes "
            "encodings); re-save it as CSV UTF-8")


def clean_field(name: str, value: str, date_format: str | None = None) -> tuple[str | None, str | None]:
    """``(canonical value, None)`` or ``(None, error message)`` for one non-blank field value."""
    if not value.isascii() and INVALID_BYTE.search(value):
        return None, invalid_bytes_error(value)
    if len(value) > MAX_LENGTH:
        return None, f"longer than {MAX_LENGTH} characters ({len(value)})"
    control = (_CONTROL_ANY if name in CHECKED else _CONTROL_TEXT).search(value)
    if control:
        char = control.group()
        return None, f"contains a control character ({_CONTROL_NAMES.get(char) or f'U+{ord(char):04X}'}); remove it"
    if name == "email":
        error = email_error(value)
        return (None, error) if error else (value, None)
    if name == "hire_date":
        return parse_date(value, date_format)
    if name == "status":
        return parse_status(value)
    return value, None


def validate_field(name: str, value: str, date_format: str | None = None) -> str | None:
    """The error message for a field value, or None when it is valid (blank is valid here)."""
    if not value.strip():
        return None
    return clean_field(name, value.strip(), date_format)[1]


@dataclass(slots=True)
class RowResult:
    """One data row, cleaned: ``values`` holds only non-blank fields (``CLEAR`` for ``[clear]``)."""

    line: int
    key: str
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)  # Issue values (a str with its parts)
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, Where] = field(default_factory=dict)  # field -> its column

    def where(self, name: str) -> Where:
        """The column of field ``name`` (a column the file does not have when it is not mapped)."""
        return self.columns.get(name) or Where(FIELD_LABELS[name])

    def issue(self, name: str, message: str, hint: Hint | None = None) -> Issue:
        """An issue about field ``name`` of this row."""
        return Issue(message, self.where(name), field=name, hint=hint)


class RowValidator:
    """Checks data rows against a resolved mapping."""

    def __init__(self, mapping: ResolvedMapping, sync_key: SyncKey, date_format: str | None = None,
                 delimiter_name: str = "comma") -> None:
        self.mapping = mapping
        self.sync_key = SyncKey(sync_key)
        self._date_format = date_format
        self.width = len(mapping.header)
        self.delimiter_name = delimiter_name
        self.described = {f: mapping.where(i) for i, f in mapping.fields.items()}
        #: (column, field, None for plain text, _EMAIL, else the valid values already parsed: raw -> canonical)
        self.items: list[tuple[int, str, Any]] = [
            (i, f, _EMAIL if f == "email" else {} if f in CHECKED else None) for i, f in mapping.fields.items()]
        self.key_field = self.sync_key.value
        self.key_index = mapping.column_of(self.key_field)

    @property
    def date_format(self) -> str | None:
        """The file's date format (besides ISO); setting it forgets the dates parsed so far."""
        return self._date_format

    @date_format.setter
    def date_format(self, fmt: str | None) -> None:
        self._date_format = fmt
        for _, name, parsed in self.items:
            if name == "hire_date":
                parsed.clear()

    def __call__(self, line: int, cells: list[str]) -> RowResult:
        values: dict[str, str] = {}
        errors: list[str] = []
        n = len(cells)
        if n > self.width and any(clean_cell(c) for c in cells[self.width:]):
            errors.append(f"the row has {n} cells but the header has {self.width}: a value may contain "
                          f"an unquoted {self.delimiter_name}; quote it" if self.delimiter_name else
                          "the row has values right of the header's last column: give those columns a header")
        # Most rows hold no control character, invalid byte or unusual blank at all (an ASCII row can only
        # hold a control character): then str.strip trims their cells as clean_cell does, and plain text cells
        # need only the length check.
        joined = "".join(cells)
        plain_ok = (_CONTROL_ANY if joined.isascii() else _SUSPECT).search(joined) is None
        date_format = self._date_format
        for index, name, parsed in self.items:
            if index >= n:
                continue
            raw = cells[index].strip() if plain_ok else cells[index].strip(BLANKS)
            if not raw:
                continue
            if raw[0] == "'":
                raw = unescape_cell(raw)
            if raw == CLEAR:
                values[name] = CLEAR
                continue
            if plain_ok and len(raw) <= MAX_LENGTH:
                if parsed is None:
                    values[name] = raw
                    continue
                if parsed is _EMAIL:
                    error = email_error(raw)
                    if error is None:
                        values[name] = raw
                    else:
                        errors.append(Issue(error, self.described[name], field=name))
                    continue
                known = parsed.get(raw)  # dates and status words repeat: parse each value once
                if known is not None:
                    values[name] = known
                    continue
            value, error = clean_field(name, raw, date_format)
            if error:
                hint = Hint.DATE_FORMAT if name == "hire_date" and not ISO_DATE.fullmatch(raw) else None
                errors.append(Issue(error, self.described[name], field=name, hint=hint))
            else:
                values[name] = value  # type: ignore[assignment]
                if parsed is not None and parsed is not _EMAIL and len(parsed) < MEMO_SIZE:
                    parsed[raw] = value  # type: ignore[assignment]
        key_field = self.key_field
        key = values.get(key_field, "")
        if key == CLEAR:
            errors.append(Issue("the sync field cannot be cleared", self.describe(key_field), field=key_field))
            key = ""
        elif not key and not any(getattr(e, "field", None) == key_field for e in errors):
            errors.append(Issue("required (it is the sync field)", self.describe(key_field), field=key_field))
        if key and key_field == "email":
            key = email_key(key)
        if not key:
            key_index = self.key_index
            raw_key = unescape_cell(cells[key_index]) if key_index is not None and key_index < n else ""
            if raw_key != CLEAR:
                key = show_invalid(raw_key)  # shown for an invalid key; matches nothing
        return RowResult(line, key, values, errors, [], self.described)

    def leave_out(self, names: list[str]) -> None:
        """Stop reading the fields ``names`` (a server that does not keep them)."""
        self.items = [item for item in self.items if item[1] not in names]
        self.described = {f: w for f, w in self.described.items() if f not in names}

    def describe(self, name: str) -> Where:
        return self.described.get(name) or Where(FIELD_LABELS[name])
