"""Snapshots at 80x24 of the history: the list of changes, and the undo preview of an import with a user changed
since (a conflict). The changes are made through the API, then given a fixed time (the list shows when each was
opened), so nothing varies from run to run."""

from __future__ import annotations

from textual.pilot import Pilot

from roster_tui.server.storage.tables import changes
from roster_tui.tui.screens.change_preview import ChangePreviewScreen
from roster_tui.tui.screens.history import HistoryScreen

from .conftest import Embedded, settle, wait_for
from .test_history import applied, find, open_history
from .test_snapshots_screens import SIZE, steady
from .test_wizard import WIZARD, config_dir  # noqa: F401  (autouse: recent files go to a temp folder)

AT = "2026-11-30T09:00:00Z"


async def two_changes(pilot: Pilot, embedded: Embedded) -> None:
    """new_hires.csv then edits_and_terms.csv applied; Carl's title changed by hand since; every change at AT."""
    await settle(pilot)
    async with embedded.client() as api:
        await applied(api, WIZARD / "new_hires.csv")
        await applied(api, WIZARD / "edits_and_terms.csv")
        carl = await find(api, "carl.gonzalez@acme.example")
        assert carl is not None
        await api.patch_user(carl["id"], [{"op": "replace", "path": "title", "value": "Changed by hand"}])
    with embedded.storage.write_engine.begin() as conn:
        conn.execute(changes.update().values(opened=AT, closed=AT))


def test_history_screen(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """H on the roster after two imports: the changes, newest first."""
    async def run_before(pilot: Pilot) -> None:
        await two_changes(pilot, embedded)
        history = await open_history(pilot)
        assert [c.id for c in history.changes] == [2, 1]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_undo_preview(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """u on the newest change: each user back as before it, the one changed since a conflict, listed first."""
    async def run_before(pilot: Pilot) -> None:
        await two_changes(pilot, embedded)
        await open_history(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChangePreviewScreen)
                       and pilot.app.screen.preview is not None)
        await settle(pilot)
        assert not isinstance(pilot.app.screen, HistoryScreen)

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))
