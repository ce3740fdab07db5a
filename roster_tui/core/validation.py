"""Field and row validation of the roster rules (DOMAIN.md); shared by the importer and the profile screen.

``validate_field`` / ``clean_field`` check one value; :class:`RowValidator` checks an import row cell by
cell; :func:`scan_keys` is the cheap first pass over a file that collects the keys the plan needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.mapping import FIELD_LABELS, ResolvedMapping
from roster_tui.core.models import SyncKey

#: A cell holding exactly this clears an optional field.
CLEAR = "[clear]"
MAX_LENGTH = 256
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
INACTIVE_WORDS = frozenset({"inactive", "terminated", "disabled", "false", "0"})
ACTIVE_WORDS = frozenset({"active", "enabled", "true", "1"})
REQUIRED_FOR_CREATE = ("email", "first_name", "last_name")
FREE_TEXT = frozenset({"title", "department", "division", "location"})
#: Fields whose values are parsed, not only length- and control-checked.
CHECKED = frozenset({"email", "hire_date", "status"})
MEMO_SIZE = 10_000

_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks allowed
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
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


def unescape_cell(value: str) -> str:
    """A cell trimmed, without the one leading ``'`` a spreadsheet-safe export put before ``= + - @``."""
    value = value.strip()
    if value[:1] == "'" and needs_escape(value[1:]):
        return value[1:]
    return value


def email_key(value: str) -> str:
    """How emails are compared: trimmed, case-insensitive."""
    return value.strip().lower()


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
        raise ImportFileError(f"--date-format {fmt!r} needs a day (%d), a month (%m, %b) and a year (%Y)",
                              hint="For example --date-format '%m/%d/%Y' or '%d.%m.%Y'")
    try:
        datetime(2001, 2, 3).strftime(fmt)
    except ValueError as exc:
        raise ImportFileError(f"--date-format {fmt!r}: {exc}") from None


def parse_date(value: str, date_format: str | None = None) -> tuple[str | None, str | None]:
    """``(iso_date, None)`` or ``(None, error)``: ISO ``YYYY-MM-DD`` or the declared format, never a guess."""
    if date_format:
        try:
            return datetime.strptime(value, date_format).date().isoformat(), None
        except ValueError:
            pass
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, f"{value!r} is not a valid date"
    if date_format:
        return None, f"{value!r} is not a date in the declared format {date_format} nor YYYY-MM-DD"
    return None, (f"{value!r} is not an ISO date (YYYY-MM-DD); if the file uses another format, "
                  "declare it with --date-format, e.g. '%m/%d/%Y'")


def parse_status(value: str) -> tuple[str | None, str | None]:
    """``("active" | "inactive", None)`` or ``(None, error)``."""
    word = value.strip().lower()
    if word in INACTIVE_WORDS:
        return "inactive", None
    if word in ACTIVE_WORDS:
        return "active", None
    return None, f"unknown status {value!r}: use active or inactive"


def clean_field(name: str, value: str, date_format: str | None = None) -> tuple[str | None, str | None]:
    """``(canonical value, None)`` or ``(None, error message)`` for one non-blank field value."""
    if len(value) > MAX_LENGTH:
        return None, f"longer than {MAX_LENGTH} characters ({len(value)})"
    control = _CONTROL_TEXT if name in FREE_TEXT else _CONTROL_ANY
    if control.search(value):
        return None, "contains a control character (a tab, line break or similar); remove it"
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
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> "Header (column X)"


class RowValidator:
    """Checks data rows against a resolved mapping."""

    def __init__(self, mapping: ResolvedMapping, sync_key: SyncKey, date_format: str | None = None,
                 delimiter_name: str = "comma") -> None:
        self.mapping = mapping
        self.sync_key = SyncKey(sync_key)
        self.date_format = date_format
        self.width = len(mapping.header)
        self.delimiter_name = delimiter_name
        self.described = {f: mapping.describe(i) for i, f in mapping.fields.items()}
        #: (column, field, None for plain text, _EMAIL, else the valid values already parsed: raw -> canonical)
        self.items: list[tuple[int, str, Any]] = [
            (i, f, _EMAIL if f == "email" else {} if f in CHECKED else None) for i, f in mapping.fields.items()]
        self.key_field = self.sync_key.value
        self.key_index = mapping.column_of(self.key_field)

    def __call__(self, line: int, cells: list[str]) -> RowResult:
        values: dict[str, str] = {}
        errors: list[str] = []
        n = len(cells)
        if n > self.width and any(c.strip() for c in cells[self.width:]):
            errors.append(f"the row has {n} cells but the header has {self.width}: a value may contain "
                          f"an unquoted {self.delimiter_name}; quote it")
        # Most rows hold no control character at all: then plain text cells need only the length check.
        plain_ok = _CONTROL_ANY.search("".join(cells)) is None
        date_format = self.date_format
        for index, name, parsed in self.items:
            if index >= n:
                continue
            raw = cells[index].strip()
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
                        errors.append(f"{self.described[name]}: {error}")
                    continue
                known = parsed.get(raw)  # dates and status words repeat: parse each value once
                if known is not None:
                    values[name] = known
                    continue
            value, error = clean_field(name, raw, date_format)
            if error:
                errors.append(f"{self.described[name]}: {error}")
            else:
                values[name] = value  # type: ignore[assignment]
                if parsed is not None and parsed is not _EMAIL and len(parsed) < MEMO_SIZE:
                    parsed[raw] = value  # type: ignore[assignment]
        key_field = self.key_field
        key = values.get(key_field, "")
        if key == CLEAR:
            errors.append(f"{self.describe(key_field)}: the sync field cannot be cleared")
            key = ""
        elif not key and not any(e.startswith(self.describe(key_field)) for e in errors):
            errors.append(f"{self.describe(key_field)}: required (it is the sync field)")
        if key and key_field == "email":
            key = email_key(key)
        if not key:
            key_index = self.key_index
            raw_key = unescape_cell(cells[key_index]) if key_index is not None and key_index < n else ""
            if raw_key != CLEAR:
                key = raw_key  # shown for an invalid key; matches nothing
        return RowResult(line, key, values, errors, [], self.described)

    def describe(self, name: str) -> str:
        return self.described.get(name) or f"{FIELD_LABELS[name]} (no such column)"


@dataclass
class KeyScan:
    """What a first pass over the file learned: row count, the keys to look up, duplicates in the file."""

    rows: int = 0
    emails: dict[str, int] = field(default_factory=dict)  # email key -> first line
    employee_ids: dict[str, int] = field(default_factory=dict)
    duplicate_emails: dict[str, list[int]] = field(default_factory=dict)
    duplicate_employee_ids: dict[str, list[int]] = field(default_factory=dict)
    manager_refs: set[str] = field(default_factory=set)

    def lookup_emails(self) -> set[str]:
        return set(self.emails) | {m.lower() for m in self.manager_refs if "@" in m}

    def lookup_employee_ids(self) -> set[str]:
        return set(self.employee_ids) | {m for m in self.manager_refs if "@" not in m}


def scan_keys(records: Iterable[tuple[int, list[str]]], mapping: ResolvedMapping,
              scan: KeyScan | None = None) -> KeyScan:
    """First pass: count rows and collect emails, employee IDs and manager references (unvalidated).

    With ``scan``, adds to it (a file can be scanned in slices)."""
    scan = KeyScan() if scan is None else scan
    columns = {f: i for i, f in mapping.fields.items()}
    ei, ii, mi = columns.get("email"), columns.get("employee_id"), columns.get("manager")
    emails, employee_ids, refs = scan.emails, scan.employee_ids, scan.manager_refs
    rows = 0
    for line, cells in records:  # unescape_cell and email_key, inlined: this runs once per row of the file
        rows += 1
        n = len(cells)
        if ei is not None and ei < n:
            value = cells[ei].strip()
            if value[:1] == "'":
                value = unescape_cell(value)
            value = value.lower()
            if value and value != CLEAR and emails.setdefault(value, line) != line:
                scan.duplicate_emails.setdefault(value, [emails[value]]).append(line)
        if ii is not None and ii < n:
            value = cells[ii].strip()
            if value[:1] == "'":
                value = unescape_cell(value)
            if value and value != CLEAR and employee_ids.setdefault(value, line) != line:
                scan.duplicate_employee_ids.setdefault(value, [employee_ids[value]]).append(line)
        if mi is not None and mi < n:
            value = cells[mi].strip()
            if value[:1] == "'":
                value = unescape_cell(value)
            if value and value != CLEAR:
                refs.add(value)
    scan.rows += rows
    return scan
