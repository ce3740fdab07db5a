"""ctrl+e exports the view on screen: the roster as filtered (paged, re-importing with no change), a frequency
table (JSON), the import and removal previews; an existing file is replaced only when the admin says so, and esc
stops a long export with nothing written."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from roster_tui.core.export import HEADER
from roster_tui.core.models import User
from roster_tui.core.scim import user_to_scim
from roster_tui.core.view_table import PLAN_HEADER, REMOVAL_HEADER
from roster_tui.scim.client import RosterClient
from roster_tui.sync.import_file import prepare_file
from roster_tui.sync.importer import plan_import
from roster_tui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from roster_tui.tui.screens.export_view import ExportScreen
from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.wizard_file import FileStep
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import Embedded, RecordingTransport, settle, wait_for
from .test_removal import preview
from .test_snapshots_screens import SIZE, steady
from .test_wizard import WIZARD, config_dir, to_preview  # noqa: F401 (config_dir: autouse)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the file suggested is in the current directory


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


async def open_file(pilot: Pilot, path: Path) -> FileStep:
    """From the roster: i, the path put in the field (not typed key by key: quicker), enter, the rows counted."""
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FileStep))
    step = pilot.app.screen
    assert isinstance(step, FileStep)
    step.query_one("#file-path", Input).value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: step.state.source is not None)
    await settle(pilot)
    return step


async def export(pilot: Pilot, typed: str | None = None, *, suggested: str | None = None) -> None:
    """ctrl+e, check the name suggested, type another (or keep it), enter."""
    await pilot.press("ctrl+e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
    field = pilot.app.screen.query_one(Input)
    if suggested is not None:
        assert field.value == suggested
    if typed is not None:
        field.value = typed
    await pilot.press("enter")


async def test_the_roster_as_filtered_exports_and_imports_back_with_no_change(embedded: Embedded, api: RosterClient,
                                                                             tmp_path: Path) -> None:
    for n, (title, last) in enumerate((("=cmd|' /C calc'!A0", "@sum"), ("+lead", "'-Lee"))):
        await api.create_user(user_to_scim(User(email=f"formula{n}@x.example", first_name="F", last_name=last,
                                                title=title)))
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        await pilot.press("s")  # active users only
        await wait_for(pilot, lambda: table.query_in_effect.status == "active" and table.total is not None)
        await settle(pilot)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("ctrl+e")  # in the prompt, ctrl+e is the input's: no second prompt
        await pilot.pause()
        assert sum(isinstance(s, PromptScreen) for s in app.screen_stack) == 1
        await pilot.press("enter")
        out = tmp_path / "roster-view.csv"
        await wait_for(pilot, lambda: out.exists() and not isinstance(app.screen, ExportScreen))
    rows = read_csv(out)
    assert rows[0] == HEADER and len(rows) - 1 == table.total > 0
    assert {r[HEADER.index("Status")] for r in rows[1:]} == {"active"}
    assert any(r[HEADER.index("Manager")] for r in rows[1:])  # managers by email, found beyond the page
    formulas = {r[0]: (r[HEADER.index("Title")], r[HEADER.index("Last Name")]) for r in rows if "formula" in r[0]}
    assert formulas == {"formula0@x.example": ("'=cmd|' /C calc'!A0", "'@sum"),  # as roster export escapes them
                        "formula1@x.example": ("'+lead", "''-Lee")}
    plan = await plan_import(api, prepare_file(out))
    assert plan.changes == 0 and plan.summary()["error"] == 0 and plan.summary()["unchanged"] == table.total


async def test_a_frequency_table_to_json_and_no_file_replaced_unasked(embedded: Embedded, tmp_path: Path) -> None:
    out = tmp_path / "departments.json"
    out.write_text("last month's\n")
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen) and app.screen.shown)
        shown = [(v.shown, v.count) for v in app.screen.shown]
        await export(pilot, "departments.json", suggested="values-department.csv")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause()
        assert out.read_text() == "last month's\n"
        await export(pilot, "departments.json")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen))
        await settle(pilot)
    assert [(v["Department"], int(v["Users"])) for v in json.loads(out.read_text())] == shown


async def test_the_import_preview_exports_its_rows(embedded: Embedded, tmp_path: Path) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await open_file(pilot, WIZARD / "edits_and_terms.csv")
        screen = await to_preview(pilot)
        await export(pilot, suggested="import-preview.csv")
        out = tmp_path / "import-preview.csv"
        await wait_for(pilot, lambda: out.exists() and app.screen is screen)
        plan = screen.state.plan
        assert plan is not None
    rows = read_csv(out)
    assert rows[0] == PLAN_HEADER
    assert {r[1] for r in rows[1:]} == {r.action for r in plan.rows}
    assert len({(r[0], r[2]) for r in rows[1:]}) == len(plan.rows)


async def test_the_removal_preview_exports_its_rows(embedded: Embedded, tmp_path: Path) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("space", "down", "space", "R")
        removal = await preview(pilot)
        assert removal.choices is not None
        actions = [removal.choices.row(i).action for i in range(len(removal.choices))]
        await export(pilot, suggested="removal-preview.csv")
        out = tmp_path / "removal-preview.csv"
        await wait_for(pilot, lambda: out.exists() and not isinstance(app.screen, ExportScreen))
    rows = read_csv(out)
    assert rows[0] == REMOVAL_HEADER and [r[2] for r in rows[1:]] == actions and len(actions) == 2


async def test_esc_stops_a_long_export_and_nothing_is_written(embedded: Embedded, tmp_path: Path) -> None:
    held, asked = asyncio.Event(), asyncio.Event()

    async def before(request: httpx.Request) -> None:
        if isinstance(app.screen, ExportScreen):  # the export's pages wait: a long export
            asked.set()
            await held.wait()

    app = embedded.app(RecordingTransport(embedded.transport, before))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await export(pilot)
        await wait_for(pilot, asked.is_set)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
        await settle(pilot)
    held.set()
    assert [p.name for p in tmp_path.iterdir() if "roster-view" in p.name] == []  # no file, no temporary part


async def test_the_command_palette_offers_the_export_of_the_screen_under_it(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Export the view")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert app.screen.query_one(Input).value == "roster-view.csv"


def test_snapshot_the_export_prompt(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """ctrl+e on the roster: the file name asked, roster-view.csv suggested."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))
