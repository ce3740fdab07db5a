"""``roster import`` reads a workbook as it reads CSV: ``--sheet`` by name or number, the errors file with the
sheet's row numbers, and a bad workbook is one line on stderr with exit 2."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from tests.cli.test_import import plan_json, roster, tag
from tests.conftest import RunningServer
from tests.workbooks import write_xlsx


def test_a_workbook_sheet_is_planned_and_its_errors_keep_the_sheet_s_rows(server: RunningServer,
                                                                        tmp_path: Path) -> None:
    t = tag()
    path = write_xlsx(tmp_path / "hr.xlsx", {
        "Notes": [["read me"]],
        "Hires": [[], ["Email", "Employee ID", "First Name", "Last Name", "Hire Date"],
                  [f"wb{t}@x.example", 9001.0, "Wes", "Book", date(2026, 10, 1)],
                  ["not-an-email", 9002.0, "No", "Body", date(2026, 10, 2)]],
    })
    errors = tmp_path / "errors.csv"
    code, plan = plan_json(server, tmp_path, str(path), "--sheet", "2", "--errors-csv", str(errors))
    assert code == 1 and plan["summary"]["create"] == 1 and plan["summary"]["error"] == 1
    created = next(r for r in plan["rows"] if r["action"] == "create")
    assert created["line"] == 3 and created["changes"]["employee_id"] == [None, "9001"]
    assert created["changes"]["hire_date"] == [None, "2026-10-01"]
    with errors.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][-2:] == ["error", "sheet row"] and rows[1][0] == "not-an-email" and rows[1][-1] == "4"

    text = roster(server, tmp_path, "import", str(path), "--sheet", "Hires")
    assert text.returncode == 1 and f"{path}: Excel workbook, sheet 'Hires' (2 of 2), 2 rows" in text.stdout
    assert "  row 4: " in text.stdout and f"+ row 3  wb{t}@x.example" in text.stdout  # the sheet's rows
    assert "line " not in text.stdout


def test_a_bad_workbook_or_sheet_is_one_line_and_exit_2(server: RunningServer, tmp_path: Path) -> None:
    fake = tmp_path / "people.xlsx"
    fake.write_text("Email,First Name\na@x.example,A\n")
    result = roster(server, tmp_path, "import", str(fake))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "not an Excel workbook (it is text: a CSV file named .xlsx?)" in result.stderr
    book = write_xlsx(tmp_path / "ok.xlsx", {"People": [["Email"], ["a@x.example"]]})
    result = roster(server, tmp_path, "import", str(book), "--sheet", "Payroll")
    assert result.returncode == 2 and "no sheet 'Payroll'" in result.stderr and "People (1)" in result.stderr
