"""Workbooks read as the import reads a CSV file: real dates as ISO, IDs without ``.0``, the sheet's row numbers,
a title and empty rows above the header skipped, merged header cells, the sheet chosen, bad files refused in one
line. The workbooks are made here (openpyxl; the .ods as its zip of XML), but for one .xls kept in fixtures."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.workbook import WorkbookFile, cell_text, open_import_file
from roster_tui.sync.import_file import prepare_file, write_errors_csv
from tests.workbooks import write_ods, write_xlsx

HEADER = ["Email", "Employee ID", "First Name", "Last Name", "Hire Date", "Status"]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty first row, a merged title, the header on row 3; a second sheet."""
    path = tmp_path_factory.mktemp("wb") / "hr.xlsx"
    people = [
        [],
        ["Roster, November"],
        HEADER,
        ["ann@x.example", 1234.0, "Ann", "Lee", date(2021, 3, 4), "active"],
        [],
        ["bob@x.example", "00042", "Bob", "Cho", datetime(2020, 1, 31), True],
        ["not an email", 7, "Cy", "Dee", "11/16/2022", "inactive"],
    ]
    second = [["Email", "First Name", "Last Name"], ["dee@x.example", "Dee", "Eve"]]
    return write_xlsx(path, {"People": people, "Leavers": second}, merged={"People": ["A2:F2"]})


def test_cells_are_read_as_the_text_the_import_reads(book: Path) -> None:
    source = WorkbookFile(book)
    assert source.info.header == HEADER and source.info.header_line == 3
    assert source.info.format_text == "Excel workbook, sheet 'People' (1 of 2)"
    assert list(source.records()) == [
        (4, ["ann@x.example", "1234", "Ann", "Lee", "2021-03-04", "active"]),  # a real date: ISO; an ID: no .0
        (6, ["bob@x.example", "00042", "Bob", "Cho", "2020-01-31", "TRUE"]),  # text as it is (the row numbers
        (7, ["not an email", "7", "Cy", "Dee", "11/16/2022", "inactive"]),     # are the sheet's: row 5 is empty)
    ]


def test_cell_text() -> None:
    assert [cell_text(v) for v in (12.5, 1e20, 3.0, False, datetime(2021, 1, 2, 9, 30), None)] == [
        "12.5", "1e+20", "3", "FALSE", "2021-01-02 09:30:00", ""]


def test_a_sheet_is_chosen_by_name_or_number(book: Path) -> None:
    for sheet in ("Leavers", "leavers", "2", 2):
        source = open_import_file(book, sheet=sheet)
        assert isinstance(source, WorkbookFile) and source.info.sheet == "Leavers", sheet
        assert list(source.records()) == [(2, ["dee@x.example", "Dee", "Eve"])]
    with pytest.raises(ImportFileError, match=r"no sheet 'Payroll'.*People \(1\), Leavers \(2\)"):
        open_import_file(book, sheet="Payroll")


def test_merged_header_cells(tmp_path: Path) -> None:
    # "Name" merged over the two columns that the row below names: a two-row header
    two = write_xlsx(tmp_path / "two.xlsx", {"S": [
        ["Email", "Name", None, "Hire Date"], [None, "First", "Last", None],
        ["a@x.example", "A", "B", date(2022, 5, 6)]]}, merged={"S": ["B1:C1", "A1:A2", "D1:D2"]})
    source = WorkbookFile(two)
    assert (source.info.header, source.info.header_line) == (["Email", "First", "Last", "Hire Date"], 2)
    assert list(source.records()) == [(3, ["a@x.example", "A", "B", "2022-05-06"])]
    # merged over two columns with data below: it names the first; the other has no header
    one = write_xlsx(tmp_path / "one.xlsx", {"S": [["Email", "Last Name", None], ["a@x.example", "B", ""]]},
                     merged={"S": ["B1:C1"]})
    assert WorkbookFile(one).info.header == ["Email", "Last Name"]


def test_an_ods_spreadsheet(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "hr.ods", {"People": [[], HEADER, ["a@x.example", 1234, "A", "B", date(2021, 3, 4),
                                                                    "active"]]})
    source = WorkbookFile(path)
    assert source.info.kind == "OpenDocument spreadsheet" and source.info.header_line == 2
    assert list(source.records()) == [(3, ["a@x.example", "1234", "A", "B", "2021-03-04", "active"])]


def test_an_excel_97_2003_workbook() -> None:
    """A real .xls (BIFF8, written once by xlwt 1.3.0 and kept here): a merged title on row 2, real date cells, a
    boolean, text beyond ASCII, a second sheet."""
    path = Path(__file__).parents[1] / "fixtures" / "workbooks" / "hr.xls"
    source = WorkbookFile(path)
    assert source.info.format_text == "Excel 97-2003 workbook, sheet 'People' (1 of 2)"
    assert (source.info.header, source.info.header_line) == (HEADER, 3)
    assert list(source.records()) == [(4, ["ann@x.example", "1234", "Ann", "Lee", "2021-03-04", "active"]),
                                      (6, ["bob@x.example", "00042", "Bøb", "Cho", "2020-01-31", "TRUE"])]
    assert list(WorkbookFile(path, sheet="Leavers").records()) == [(2, ["dee@x.example", "Dee", "Eve"])]


def test_the_errors_file_is_csv_with_the_sheet_s_row_numbers(book: Path, tmp_path: Path) -> None:
    prepared = prepare_file(book)
    errors = {row.line: "; ".join(row.errors) for row in prepared.rows() if row.errors}
    assert list(errors) == [7]
    out = tmp_path / "errors.csv"
    assert write_errors_csv(prepared, errors, out) == 1
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*HEADER, "error", "sheet row"]
    assert rows[1][:6] == ["not an email", "7", "Cy", "Dee", "11/16/2022", "inactive"]
    assert "not a valid email" in rows[1][6] and rows[1][7] == "7"
    assert prepared.validator.date_format == "%m/%d/%Y"  # a text date is read as the CSV's are; real ones need none


@pytest.mark.parametrize(("name", "content", "message"), [
    ("truncated.xlsx", "zip", "cannot read this workbook"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
    ("empty.xlsx", b"", "the file is empty"),
    ("people.xlsx", b"Email,First Name\na@x.example,A\n", "not an Excel workbook (it is text: a CSV file"),
    ("blank.xlsx", "blank", "the sheet 'Sheet' is empty"),
    ("web.xls", b"<html><table><tr><td>Email</td></tr></table></html>", "(it is text: an HTML or CSV file"),
])
def test_a_bad_workbook_is_one_clear_error(tmp_path: Path, book: Path, name: str, content: bytes | str,
                                           message: str) -> None:
    path = tmp_path / name
    if content == "zip":
        path.write_bytes(book.read_bytes()[:3000])
    elif content == "blank":
        write_xlsx(path, {"Sheet": []})
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    with pytest.raises(ImportFileError) as info:
        open_import_file(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_sheet_is_for_workbooks_only(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Email\na@x.example\n")
    with pytest.raises(ImportFileError, match="--sheet is for a workbook"):
        open_import_file(path, sheet="1")


def test_a_value_right_of_the_header_is_an_error_of_its_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "wide.xlsx", {"S": [["Email", "First Name"], ["a@x.example", "A", "stray"],
                                                     ["b@x.example", "B"]]})
    rows = list(prepare_file(path).rows())
    assert rows[0].errors == ["the row has values right of the header's last column: give those columns a header"]
    assert rows[1].errors == []
