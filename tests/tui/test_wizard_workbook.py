"""The import wizard reads a workbook: what was read (the sheet, of how many), ctrl+l to choose another sheet,
and the plan's rows numbered as the sheet numbers them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import Static

from roster_tui.core.workbook import WorkbookFile
from roster_tui.tui.screens.dialogs import PickScreen
from roster_tui.tui.screens.wizard_file import IMPORT_SUFFIXES

from .conftest import Embedded, screen_text, settle, wait_for
from .test_export_view import open_file
from .test_wizard import config_dir, to_preview  # noqa: F401 (config_dir: autouse)

HEADER = ["Email", "First Name", "Last Name", "Hire Date"]


async def test_a_workbook_s_second_sheet_is_chosen_and_planned_with_its_row_numbers(embedded: Embedded,
                                                                                    tmp_path: Path) -> None:
    from tests.workbooks import write_xlsx

    path = write_xlsx(tmp_path / "hr.xlsx", {
        "Summary": [["Headcount", 2]],
        "New hires": [[], ["New hires, November"], HEADER,
                      ["wb.one@x.example", "Wanda", "One", date(2026, 11, 2)],
                      [],
                      ["wb.two@x.example", "Walt", "Two", date(2026, 11, 16)]],
    }, merged={"New hires": ["A2:D2"]})
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        step = await open_file(pilot, path)
        assert "Excel workbook, sheet 'Summary' (1 of 2)" in screen_text(app)
        assert "ctrl+l chooses another" in screen_text(app)
        assert {"sheet"} <= footer_keys(app) and not {"cycle_encoding", "cycle_delimiter"} & footer_keys(app)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        source = step.state.source
        await pilot.press("down", "enter")  # the list starts on the first sheet
        await wait_for(pilot, lambda: step.state.source is not source and step.state.source is not None)
        await settle(pilot)
        assert isinstance(step.state.source, WorkbookFile) and step.state.source.info.sheet == "New hires"
        assert "sheet 'New hires' (2 of 2)" in screen_text(app) and "header on row 3" in screen_text(app)
        preview = await to_preview(pilot)
        plan = preview.state.plan
        assert plan is not None
        assert [(r.line, r.action, r.changes["hire_date"][1]) for r in plan.rows] == [
            (4, "create", "2026-11-02"), (6, "create", "2026-11-16")]


def test_the_browser_lists_workbooks() -> None:
    assert {".xlsx", ".xls", ".ods"} <= IMPORT_SUFFIXES


async def test_a_bad_workbook_is_said_in_the_file_step(embedded: Embedded, tmp_path: Path) -> None:
    fake = tmp_path / "people.xlsx"
    fake.write_text("Email,First Name\na@x.example,A\n")
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: hasattr(app.screen, "open_path"))
        app.screen.open_path(str(fake))  # type: ignore[attr-defined]
        info = app.screen.query_one("#file-info", Static)
        await wait_for(pilot, lambda: str(info.content).startswith("Cannot import this file"))
        assert "not an Excel workbook (it is text: a CSV file named .xlsx?)" in str(info.content)


def footer_keys(app: object) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values()}  # type: ignore[attr-defined]
