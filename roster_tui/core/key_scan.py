"""The first pass over an import file: count its rows and collect the keys the plan looks up (emails, employee
IDs, manager references), the duplicates among them, and the hire dates that are not ISO. Cheap: it runs once per
row and checks nothing (validation is :mod:`roster_tui.core.validation`, the second pass)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from roster_tui.core.csv_reader import INVALID_BYTE
from roster_tui.core.mapping import ResolvedMapping
from roster_tui.core.validation import BLANKS, CLEAR, ISO_DATE, MAX_DATE_VALUES, unescape_cell


@dataclass
class KeyScan:
    """What a first pass over the file learned: row count, the keys to look up, duplicates in the file."""

    rows: int = 0
    emails: dict[str, int] = field(default_factory=dict)  # email key -> first line
    employee_ids: dict[str, int] = field(default_factory=dict)
    duplicate_emails: dict[str, list[int]] = field(default_factory=dict)
    duplicate_employee_ids: dict[str, list[int]] = field(default_factory=dict)
    manager_refs: set[str] = field(default_factory=set)
    #: Distinct hire dates that are not ISO (at most MAX_DATE_VALUES), for propose_date_formats.
    date_values: set[str] = field(default_factory=set)

    def lookup_emails(self) -> set[str]:
        return set(self.emails) | {m.lower() for m in self.manager_refs if "@" in m}

    def lookup_employee_ids(self) -> set[str]:
        return set(self.employee_ids) | {m for m in self.manager_refs if "@" not in m}


def _scan_cell(value: str) -> str:
    """A non-ASCII key cell as the first pass reads it: cleaned, blank when it holds invalid bytes (it is an
    error of its row and must not be looked up)."""
    return "" if INVALID_BYTE.search(value) else value.strip(BLANKS)


def scan_keys(records: Iterable[tuple[int, list[str]]], mapping: ResolvedMapping,
              scan: KeyScan | None = None) -> KeyScan:
    """First pass: count rows and collect emails, employee IDs and manager references (unvalidated), and the
    distinct non-ISO hire dates.

    With ``scan``, adds to it (a file can be scanned in slices)."""
    scan = KeyScan() if scan is None else scan
    columns = {f: i for i, f in mapping.fields.items()}
    absent = sys.maxsize  # an unmapped field's column: past the end of every row
    ei, ii, mi, di = (columns.get(f, absent) for f in ("email", "employee_id", "manager", "hire_date"))
    emails, employee_ids, refs, dates = scan.emails, scan.employee_ids, scan.manager_refs, scan.date_values
    rows = 0
    # clean_cell, unescape_cell and email_key, inlined: this runs once per row of the file (str.strip trims an
    # ASCII cell as clean_cell does)
    for line, cells in records:
        rows += 1
        n = len(cells)
        if ei < n:
            value = cells[ei]
            value = value.strip() if value.isascii() else _scan_cell(value)
            if value[:1] == "'":
                value = unescape_cell(value)
            value = value.lower()
            if value and value != CLEAR and emails.setdefault(value, line) != line:
                scan.duplicate_emails.setdefault(value, [emails[value]]).append(line)
        if ii < n:
            value = cells[ii]
            value = value.strip() if value.isascii() else _scan_cell(value)
            if value[:1] == "'":
                value = unescape_cell(value)
            if value and value != CLEAR and employee_ids.setdefault(value, line) != line:
                scan.duplicate_employee_ids.setdefault(value, [employee_ids[value]]).append(line)
        if mi < n:
            value = cells[mi]
            value = value.strip() if value.isascii() else _scan_cell(value)
            if value[:1] == "'":
                value = unescape_cell(value)
            if value and value != CLEAR:
                refs.add(value)
        if di < n:
            value = cells[di]  # an ISO date is passed at a glance
            if value and (len(value) != 10 or value[4] != "-") and value not in dates and len(dates) < MAX_DATE_VALUES:
                value = value.strip(BLANKS)
                if value and value != CLEAR and not ISO_DATE.fullmatch(value):
                    dates.add(value)
    scan.rows += rows
    return scan
