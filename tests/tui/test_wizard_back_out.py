"""Backing out of the import wizard at any step writes nothing: the audit trail and every user stay as they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.pilot import Pilot

from roster_tui.tui.screens.dialogs import TypeCountScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.wizard_file import FileStep
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.screens.wizard_preview import DiffScreen, PreviewStep

from .conftest import Embedded, screen_text, settle, wait_for
from .test_wizard import WIZARD, to_preview, type_path


def written(db: Path) -> tuple[int, int]:
    """How many audit rows, and the sum of the users' versions: any write moves one of them."""
    with sqlite3.connect(db) as conn:
        [(audit,)] = conn.execute("SELECT count(*) FROM audit").fetchall()
        [(versions,)] = conn.execute("SELECT coalesce(sum(version), 0) FROM users").fetchall()
    return audit, versions


async def back_to_roster(pilot: Pilot) -> None:
    for _ in range(8):
        if isinstance(pilot.app.screen, RosterScreen):
            break
        await pilot.press("escape")
        await settle(pilot)
    assert isinstance(pilot.app.screen, RosterScreen), pilot.app.screen


@pytest.mark.slow
async def test_backing_out_at_every_step_writes_nothing(embedded: Embedded, roster_db: Path) -> None:
    before = written(roster_db)
    path = WIZARD / "edits_and_terms.csv"  # updates and deactivations: a file that would write
    app = embedded.app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")  # the file step, nothing typed
        await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
        await back_to_roster(pilot)
        await type_path(pilot, path)  # the file step, the file read
        await back_to_roster(pilot)
        await type_path(pilot, path)
        await pilot.press("ctrl+n")  # the mapping step
        await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
        await back_to_roster(pilot)
        await type_path(pilot, path)
        preview = await to_preview(pilot)  # validation passed, the preview shown
        assert preview.state.plan.changes > 0  # the file would write if applied
        await back_to_roster(pilot)
        await type_path(pilot, path)
        await to_preview(pilot)
        await pilot.press("enter")  # every field of a row
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
        await back_to_roster(pilot)
        await type_path(pilot, path)
        await to_preview(pilot)
        await pilot.press("a")  # the apply confirmation, declined
        await settle(pilot)
        assert not isinstance(app.screen, PreviewStep)
        await back_to_roster(pilot)
        await type_path(pilot, path)
        preview = await to_preview(pilot)
        await pilot.press("F", "y")  # the full sync, past its guard: it would deactivate everyone not in the file
        await wait_for(pilot, lambda: "!! HELD: the full sync deactivates" in screen_text(app))
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        await pilot.press(*str(preview.state.plan.missing), "enter")
        await wait_for(pilot, lambda: "Past a guard" in screen_text(app) and "FULL SYNC ON" in screen_text(app))
        assert preview.state.plan.summary()["deactivate"] > 100
        await pilot.press("a")  # its confirmation, left
        await settle(pilot)
        await back_to_roster(pilot)
    assert written(roster_db) == before
