"""Read an admin's workbook (``.xlsx``, ``.xls``, ``.ods``) as rows of text, as :mod:`csv_reader` reads a CSV file.

One sheet is read (the first unless one is chosen, by name or number). Its cells become the text the import
pipeline reads: text as it is, a real date cell as ISO ``YYYY-MM-DD`` (never a guess at a format), a whole number
without ``.0`` (an employee ID 1234), TRUE/FALSE for a boolean. Rows are numbered as the sheet numbers them. Empty
rows before the header are skipped, and a title above it (one cell, merged across the columns or alone); a header
cell merged across columns names the first of them, or, when the row below names each of them, the header is the
two rows together (``Name`` over ``First``, ``Last``). Every problem with the file is an :class:`ImportFileError`.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from roster_tui.core.csv_reader import CsvFile, ImportFileError, open_csv
from roster_tui.heap import collection_paused

KINDS = {".xlsx": "Excel workbook", ".xlsm": "Excel workbook", ".xlsb": "Excel binary workbook",
         ".xls": "Excel 97-2003 workbook", ".ods": "OpenDocument spreadsheet"}
#: The file names read as workbooks (anything else is read as CSV).
WORKBOOK_SUFFIXES = frozenset(KINDS)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a .xls, or an encrypted (password-protected) .xlsx
_SAVE_AS = "Open it in the spreadsheet and save it again (or save the sheet as CSV UTF-8)"


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` is read as a workbook (by its name)."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def cell_text(value: Any) -> str:
    """A workbook cell as the text the import reads."""
    kind = value.__class__
    if kind is float:  # the usual cells first (a number, a date): a sheet has many
        return str(int(value)) if value.is_integer() and -1e15 < value < 1e15 else format(value, ".15g")
    if kind is date:
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class WorkbookInfo:
    """What was found in a workbook (the same questions as :class:`~roster_tui.core.csv_reader.CsvInfo`)."""

    path: str
    kind: str  # "Excel workbook"
    sheet: str
    sheets: list[str]
    header: list[str]
    header_line: int  # the header's row in the sheet (the last one of a two-row header)
    invalid_bytes: int = 0
    encoding_label: str = field(default="", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoding_label", self.kind)

    @property
    def delimiter(self) -> str:
        return ","  # the errors file of a workbook is a CSV file

    @property
    def delimiter_name(self) -> str:
        return ""  # no delimiter: no value can be split by one (RowValidator words the wide row so)

    @property
    def format_text(self) -> str:
        """``Excel workbook, sheet 'People' (1 of 2)``."""
        return f"{self.kind}, sheet {self.sheet!r} ({self.sheets.index(self.sheet) + 1} of {len(self.sheets)})"


def _load_sheet(path: Path, sheet: str | int | None) -> tuple[list[list[Any]], list[Any], str, list[str]]:
    """The sheet's rows (from A1), its merged ranges, its name and the workbook's sheet names."""
    import python_calamine  # only a workbook needs it (and the console starts without it)

    name = str(path)
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ImportFileError(f"cannot read the file: {exc.strerror or exc}", path=name,
                              hint="Check the path and the file's permissions") from None
    if not head:
        raise ImportFileError("the file is empty", path=name, hint="Save the roster sheet again")
    suffix = path.suffix.lower()
    if suffix != ".xls" and head.startswith(_OLE):
        raise ImportFileError("the workbook is password-protected (encrypted)", path=name,
                              hint="Save a copy without a password, or save the sheet as CSV UTF-8")
    if not head.startswith(_OLE if suffix == ".xls" else b"PK"):
        text = head.isascii() and head.strip() != b""
        what = "an HTML or CSV file" if suffix == ".xls" else "a CSV file"
        raise ImportFileError(f"this is not an {KINDS[suffix]}" + (f" (it is text: {what} named {suffix}?)"
                                                                  if text else ""), path=name,
                              hint="Rename a CSV file to .csv; else " + _SAVE_AS[0].lower() + _SAVE_AS[1:])
    try:
        book = python_calamine.CalamineWorkbook.from_path(name)
        names = list(book.sheet_names)
        if not names:
            raise ImportFileError("the workbook has no sheet", path=name, hint=_SAVE_AS)
        chosen = pick_sheet(names, sheet, name)
        data = book.get_sheet_by_name(chosen)
        rows = data.to_python(skip_empty_area=False)
        merged = list(data.merged_cell_ranges or [])
    except python_calamine.PasswordError:
        raise ImportFileError("the workbook is password-protected", path=name,
                              hint="Save a copy without a password, or save the sheet as CSV UTF-8") from None
    except (python_calamine.CalamineError, ValueError, OSError) as exc:  # what the reader says of a bad file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportFileError(f"cannot read this workbook ({reason})", path=name, hint=_SAVE_AS) from None
    return rows, merged, chosen, names


def pick_sheet(names: list[str], sheet: str | int | None, path: str = "") -> str:
    """The sheet chosen: the first, one named ``sheet``, or the ``sheet``-th (from 1); raises naming the sheets."""
    if sheet is None or sheet == "":
        return names[0]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    lowered = [n for n in names if isinstance(sheet, str) and n.casefold() == sheet.strip().casefold()]
    if len(lowered) == 1:
        return lowered[0]
    if str(sheet).strip().isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    listed = ", ".join(f"{n} ({i})" for i, n in enumerate(names, 1))
    raise ImportFileError(f"the workbook has no sheet {sheet!r}", path=path or None,
                          hint=f"Its sheets: {listed}; choose one by name or number")


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def find_header(rows: list[list[str]], merged: list[Any]) -> tuple[int, list[str], int]:
    """``(header row index, header, index of the first data row)``: empty rows and a title are skipped; a header
    cell merged across columns over a row naming each of them makes a two-row header."""
    spans = {(r0, c0): c1 for (r0, c0), (_r1, c1) in merged if c1 > c0}  # horizontal merges, by first cell
    at = 0
    while at < len(rows) and _blank(rows[at]):
        at += 1
    while at < len(rows) and _filled(rows[at]) == 1:  # a title above the header (merged, or one cell alone)?
        nxt = next((i for i in range(at + 1, len(rows)) if not _blank(rows[i])), None)
        first = next(c for c, v in enumerate(rows[at]) if v.strip())
        if nxt is None or not ((at, first) in spans or _filled(rows[nxt]) > 1):
            break
        at = nxt
    if at >= len(rows):
        return at, [], at
    header = [c.strip() for c in rows[at]]
    below = rows[at + 1] if at + 1 < len(rows) else []
    groups = [(c0, c1) for (r0, c0), c1 in spans.items() if r0 == at]
    if groups and all(all(c < len(below) and below[c].strip() for c in range(c0, c1 + 1)) for c0, c1 in groups):
        header = [below[c].strip() if c < len(below) and below[c].strip() else h for c, h in enumerate(header)]
        return at + 1, _trimmed(header), at + 2
    return at, _trimmed(header), at + 1


def _trimmed(header: list[str]) -> list[str]:
    while header and not header[-1]:
        header.pop()
    return header


class WorkbookFile:
    """An opened workbook sheet: ``info`` about it and its data ``records()`` (read once, kept as text)."""

    def __init__(self, path: str | Path, *, sheet: str | int | None = None) -> None:
        self.path = Path(path)
        name = str(path)
        try:
            mode = self.path.stat().st_mode
        except OSError as exc:
            raise ImportFileError(f"cannot read the file: {exc.strerror or exc}", path=name,
                                  hint="Check the path and the file's permissions") from None
        if not stat.S_ISREG(mode):
            raise ImportFileError("this is not a regular file", path=name)
        with collection_paused():  # a row's list and its cells stay alive: no collection walks them meanwhile
            raw, merged, chosen, names = _load_sheet(self.path, sheet)
            text = _text_rows(raw)
            del raw
        at, header, first = find_header(text, merged)
        if not header:
            raise ImportFileError(f"the sheet {chosen!r} is empty", path=name,
                                  hint="Choose the sheet holding the roster" if len(names) > 1 else _SAVE_AS)
        #: Problems of single rows (none in a workbook: a cell cannot swallow a row); as CsvFile.problems.
        self.problems: dict[int, str] = {}
        self.info = WorkbookInfo(name, KINDS[self.path.suffix.lower()], chosen, names, header, at + 1)
        self._records = [(i + 1, cells) for i, cells in enumerate(text[first:], first)
                         if cells and (cells[0].strip() or not _blank(cells))]  # most rows: the first cell

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(row, cells)`` of every non-empty data row; ``row`` is the sheet's row number."""
        return iter(self._records)

    def estimated_records(self) -> int:
        return len(self._records)

    def line_breaks(self) -> int:
        return len(self._records) + 1


def _text_rows(raw: list[list[Any]]) -> list[list[str]]:
    text = cell_text
    return [[c if c.__class__ is str else text(c) for c in row] for row in raw]


def open_import_file(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
                     sheet: str | int | None = None) -> CsvFile | WorkbookFile:
    """Open an import file: a workbook by its name (``sheet``: which one), else CSV (``encoding``, ``delimiter``);
    raises :class:`ImportFileError`."""
    if is_workbook(path):
        return WorkbookFile(path, sheet=sheet)
    if sheet is not None:
        raise ImportFileError("--sheet is for a workbook (.xlsx, .xls, .ods); this is a CSV file", path=str(path))
    return open_csv(path, encoding=encoding, delimiter=delimiter)
