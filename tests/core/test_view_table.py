"""A view as a table of text, written as CSV (cells escaped as ``roster export`` escapes them) or JSON."""

from __future__ import annotations

import csv
import io
import json

from roster_tui.core.models import SyncKey
from roster_tui.core.plan import Plan, PlanRow
from roster_tui.core.view_table import PLAN_HEADER, ViewWriter, export_format, plan_table


def write(fmt: str, batches: list[list[list[str]]]) -> tuple[str, int]:
    out = io.StringIO()
    writer = ViewWriter(out, fmt, ["Name", "Title"])
    for rows in batches:
        writer.write(rows)
    count = writer.close()
    return out.getvalue(), count


def test_csv_cells_that_look_like_formulas_are_escaped_json_ones_are_not() -> None:
    rows = [["Ann", "=HYPERLINK(\"x\")"], ["Bo", "@sum"], ["Cy", "'+1"], ["Dee", "Lead, Ops"]]
    text, count = write("csv", [rows[:2], rows[2:]])
    assert count == 4
    assert list(csv.reader(io.StringIO(text))) == [
        ["Name", "Title"], ["Ann", "'=HYPERLINK(\"x\")"], ["Bo", "'@sum"], ["Cy", "''+1"], ["Dee", "Lead, Ops"]]
    text, count = write("json", [rows[:2], rows[2:]])
    assert count == 4 and json.loads(text) == [{"Name": n, "Title": t} for n, t in rows]
    assert json.loads(write("json", [[]])[0]) == []


def test_the_format_is_the_extension_s() -> None:
    assert [export_format(p) for p in ("a.csv", "b.JSON", "c.xlsx", "d")] == ["csv", "json", None, None]


def test_a_plan_is_a_line_per_field_changed() -> None:
    plan = Plan(SyncKey.EMAIL, [
        PlanRow(2, "update", "a@x.example", {"title": ("Dev", "Lead"), "department": (None, "Ops")}),
        PlanRow(3, "error", "", errors=["email: required"]),
        PlanRow(None, "deactivate", "b@x.example", {"status": ("active", "inactive")}, training="2 cancelled"),
    ])
    headers, rows = plan_table(plan)
    assert headers == PLAN_HEADER
    assert rows == [["2", "update", "a@x.example", "title", "Dev", "Lead", ""],
                    ["2", "update", "a@x.example", "department", "", "Ops", ""],
                    ["3", "error", "", "", "", "", "email: required"],
                    ["", "deactivate", "b@x.example", "status", "active", "inactive", "2 cancelled"]]
    assert plan_table(None) == (PLAN_HEADER, [])
