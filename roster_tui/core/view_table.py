"""A console view as a table of text (headers, rows), and its writing as CSV or JSON (the console's ``ctrl+e``).

CSV cells are written as ``roster export`` writes them (:func:`~roster_tui.core.export.escape_cell`: a cell a
spreadsheet would run as a formula gets a leading ``'``); JSON is an array of objects keyed by the headers.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from roster_tui.core.export import escape_cell
from roster_tui.core.plan import Plan

#: What a view can be written as, by the file name's extension.
FORMATS = {".csv": "csv", ".json": "json"}
PLAN_HEADER = ["Line", "Action", "User", "Field", "Before", "After", "Message"]
REMOVAL_HEADER = ["Line", "Key", "Action", "Name", "Email", "Reason", "Message"]


def export_format(path: str) -> str | None:
    """``csv`` or ``json`` by the file name's extension (None: neither)."""
    return FORMATS.get(Path(path).suffix.lower())


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def plan_table(plan: Plan | None) -> tuple[list[str], list[list[str]]]:
    """An import plan's rows: one line per field a row changes (a row changing nothing: one line), with its
    errors and warnings in ``Message``."""
    rows: list[list[str]] = []
    for row in plan.rows if plan is not None else ():
        line = _text(row.line)
        message = "; ".join([*row.errors, *row.warnings, *([row.training] if row.training else [])])
        if not row.changes:
            rows.append([line, row.action, row.key, "", "", "", message])
        for name, (before, after) in row.changes.items():
            rows.append([line, row.action, row.key, name, _text(before), _text(after), message])
    return PLAN_HEADER, rows


def removal_table(rows: Iterable[Any]) -> tuple[list[str], list[list[str]]]:
    """A removal plan's rows (:class:`~roster_tui.core.removal_plan.RemovalRow`), one line each."""
    return REMOVAL_HEADER, [[_text(r.line), r.key, r.action, r.name, r.email, r.reason,
                             "; ".join([*r.errors, *r.warnings])] for r in rows]


class ViewWriter:
    """Writes a view's rows to ``out`` as ``fmt`` (csv or json), batch by batch; :meth:`close` ends it."""

    def __init__(self, out: TextIO, fmt: str, headers: list[str]) -> None:
        self.out, self.fmt, self.headers, self.count = out, fmt, headers, 0
        if fmt == "csv":
            self._csv = csv.writer(out, lineterminator="\r\n")
            self._csv.writerow(headers)
        else:
            out.write("[")

    def write(self, rows: Iterable[list[str]]) -> None:
        if self.fmt == "csv":
            for row in rows:
                self._csv.writerow([escape_cell(c) for c in row])
                self.count += 1
            return
        headers, dumps, out = self.headers, json.dumps, self.out
        for row in rows:
            out.write(("\n " if not self.count else ",\n ") + dumps(dict(zip(headers, row, strict=False)),
                                                                    ensure_ascii=False))
            self.count += 1

    def close(self) -> int:
        """End the file (JSON's closing bracket); the number of rows written."""
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")
        return self.count
