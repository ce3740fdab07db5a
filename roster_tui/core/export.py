"""The roster export and the import template: same columns, same headers, spreadsheet-safe cells."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from roster_tui.core.mapping import FIELD_LABELS
from roster_tui.core.models import ROSTER_FIELDS
from roster_tui.core.validation import needs_escape

HEADER: list[str] = [FIELD_LABELS[f] for f in ROSTER_FIELDS]


def escape_cell(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (and to one already starting so)."""
    return "'" + value if needs_escape(value) else value


def export_row(user: Any, manager_email: str | None = None, *, escape: bool = True) -> list[str]:
    """The export cells of a user (anything with the ``User`` attributes), in ``HEADER`` order (``escape``
    False: as they are, for a writer that escapes them itself)."""
    values = {
        "email": user.email,
        "employee_id": user.employee_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "title": user.title,
        "department": user.department,
        "division": user.division,
        "location": user.location,
        "manager": manager_email,
        "hire_date": user.hire_date,
        "status": "active" if user.active else "inactive",
    }
    cells = [str(values[f] or "") for f in ROSTER_FIELDS]
    return [escape_cell(c) for c in cells] if escape else cells


def write_rows(out: TextIO, rows: Iterable[list[str]], header: list[str] | None = None) -> int:
    """Write the header and rows as CSV (comma, CRLF, minimal quoting); returns the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_template(out: TextIO) -> None:
    """The empty import template: just the header row."""
    write_rows(out, [])
