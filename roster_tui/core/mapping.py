"""Map a file's column headers to roster fields: synonyms, normalisation, overrides, saved mappings (TOML)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.issues import Hint, Where, column_letter
from roster_tui.core.models import ROSTER_FIELDS

#: The headers of the export and the template, in column order.
FIELD_LABELS: dict[str, str] = {
    "email": "Email",
    "employee_id": "Employee ID",
    "first_name": "First Name",
    "last_name": "Last Name",
    "title": "Title",
    "department": "Department",
    "division": "Division",
    "location": "Location",
    "manager": "Manager",
    "hire_date": "Hire Date",
    "status": "Status",
}

#: Header spellings (normalised) recognised for each field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "mail", "workemail", "workemailaddress", "businessemail",
              "primaryemail", "username", "login", "userprincipalname", "upn", "emailid"),
    "employee_id": ("employeeid", "employeenumber", "employeeno", "employeenum", "empid", "empno",
                    "employeecode", "staffid", "staffnumber", "personnelnumber", "workerid", "badgenumber",
                    "employee", "eid"),
    "first_name": ("firstname", "givenname", "forename", "first", "fname", "preferredfirstname"),
    "last_name": ("lastname", "surname", "familyname", "last", "lname"),
    "title": ("title", "jobtitle", "position", "positiontitle", "designation", "businesstitle"),
    "department": ("department", "dept", "departmentname", "deptname"),
    "division": ("division", "businessunit", "divisionname", "bu"),
    "location": ("location", "office", "site", "worklocation", "officelocation", "worksite"),
    "manager": ("manager", "manageremail", "manageremailaddress", "supervisor", "supervisoremail",
                "reportsto", "linemanager", "managerid", "manageremployeeid", "manageremployeenumber"),
    "hire_date": ("hiredate", "startdate", "dateofhire", "datehired", "hired", "employmentstartdate",
                  "joindate", "joiningdate", "originalhiredate"),
    "status": ("status", "employeestatus", "employmentstatus", "userstatus", "accountstatus", "active",
               "state"),
}
_BY_SYNONYM = {syn: f for f, syns in SYNONYMS.items() for syn in syns}
_ADMIN = re.compile(r"admin|permission|privilege|superuser|accesslevel"
                    r"|^(user|access|security|system|app)?roles?$")
IGNORE = "ignore"
ADMIN_REASON = ("looks like admin access or roles: an import never changes admin access; "
                "grant it on the user's profile")


def normalise(header: str) -> str:
    """A header as lower-case letters and digits, accents removed ("E-mail Address" -> emailaddress)."""
    text = unicodedata.normalize("NFKD", header).casefold()
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


@dataclass(frozen=True)
class ColumnNote:
    """A column that is not imported, and why."""

    index: int
    header: str
    reason: str
    hint: Hint | None = None  # what would import it

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Mapping:
    """Overrides the admin chose: header -> field (or ``ignore``), with optional import settings."""

    columns: dict[str, str] = field(default_factory=dict)
    sync_key: str | None = None
    date_format: str | None = None


@dataclass
class ResolvedMapping:
    """Which column feeds which field, for one file's header."""

    header: list[str]
    fields: dict[int, str]  # column index -> field
    notes: list[ColumnNote]

    def column_of(self, field_name: str) -> int | None:
        for index, name in self.fields.items():
            if name == field_name:
                return index
        return None

    def where(self, index: int) -> Where:
        """Column ``index`` as issues name it."""
        return Where(self.header[index] if index < len(self.header) else "", index)

    def describe(self, index: int) -> str:
        """``Header (column X)``."""
        return str(self.where(index))


def check_field(name: str, where: str) -> str:
    name = name.strip().lower().replace("-", "_").replace(" ", "_")
    if name in ("", IGNORE):
        return IGNORE
    if name not in ROSTER_FIELDS:
        raise ImportFileError(f"{where}: unknown field {name!r}",
                              hint=f"Fields: {', '.join(ROSTER_FIELDS)} (or {IGNORE})")
    return name


def list_columns(header: list[str], limit: int = 20) -> str:
    """The header for a message: the first ``limit`` names, then how many more."""
    shown = ", ".join(header[:limit])
    return shown if len(header) <= limit else f"{shown}, … and {len(header) - limit:,} more"


def resolve_mapping(header: list[str], overrides: dict[str, str] | None = None) -> ResolvedMapping:
    """Map each column by override (exact header, then normalised), else by synonym; report the rest."""
    overrides = overrides or {}
    by_norm = {normalise(h): f for h, f in overrides.items()}
    used: set[str] = set()
    present = set(header) | {normalise(x) for x in header}
    for h in overrides:
        if h not in present and normalise(h) not in present:
            raise ImportFileError(f"the mapping names a column {h!r} that the file does not have",
                                  hint=f"The file's columns: {list_columns(header)}")
    fields: dict[int, str] = {}
    notes: list[ColumnNote] = []
    chosen: dict[int, str] = {}
    # explicit choices first, so they win over synonyms
    ignored: set[int] = set()
    for i, h in enumerate(header):
        target = overrides.get(h) or by_norm.get(normalise(h))
        if target is None:
            continue
        if target == IGNORE:
            notes.append(ColumnNote(i, h, "ignored by the mapping"))
            ignored.add(i)
        elif target in used:
            raise ImportFileError(f"the mapping sends two columns to {target}",
                                  hint="Map each field from one column only")
        else:
            chosen[i] = target
            used.add(target)
    for i, h in enumerate(header):
        if i in chosen or i in ignored:
            continue
        norm = normalise(h)
        if not norm:
            notes.append(ColumnNote(i, h, "the column has no header"))
            continue
        target = _BY_SYNONYM.get(norm)
        if target is None and _ADMIN.search(norm):
            notes.append(ColumnNote(i, h, ADMIN_REASON))
            continue
        if target is None:
            notes.append(ColumnNote(i, h, "no field has this name", Hint.MAP_COLUMN))
        elif target in used:
            first = next(header[j] for j, f in chosen.items() if f == target)
            notes.append(ColumnNote(i, h, f"{target} is already read from column {first!r}"))
        else:
            chosen[i] = target
            used.add(target)
    fields = dict(sorted(chosen.items()))
    return ResolvedMapping(header, fields, sorted(notes, key=lambda n: n.index))


# -- saved mappings ------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dumps_mapping(mapping: Mapping) -> str:
    """The TOML text of a mapping."""
    lines = ["# roster-tui import mapping: column header = field (or \"ignore\")"]
    if mapping.sync_key:
        lines.append(f"sync_key = {_toml_string(mapping.sync_key)}")
    if mapping.date_format:
        lines.append(f"date_format = {_toml_string(mapping.date_format)}")
    lines.append("")
    lines.append("[columns]")
    lines += [f"{_toml_string(h)} = {_toml_string(f)}" for h, f in mapping.columns.items()]
    return "\n".join(lines) + "\n"


def loads_mapping(text: str, where: str = "mapping") -> Mapping:
    """Parse a mapping's TOML text; raises :class:`ImportFileError` saying what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(f"not valid TOML: {exc}", path=where) from None
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ImportFileError("[columns] must map header names to field names", path=where)
    sync_key = data.get("sync_key")
    if sync_key is not None and sync_key not in ("email", "employee_id", "employee-id"):
        raise ImportFileError(f"sync_key {sync_key!r} must be email or employee_id", path=where)
    date_format = data.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        raise ImportFileError("date_format must be a string", path=where)
    return Mapping({h: check_field(f, where) for h, f in columns.items()},
                   sync_key.replace("-", "_") if sync_key else None, date_format)


def mapping_from(resolved: ResolvedMapping) -> Mapping:
    """A reusable mapping of what a file's columns resolved to (ignored columns included)."""
    columns = {resolved.header[i]: f for i, f in resolved.fields.items() if resolved.header[i]}
    for note in resolved.notes:
        if note.header and note.header not in columns:
            columns[note.header] = IGNORE
    return Mapping(columns)
