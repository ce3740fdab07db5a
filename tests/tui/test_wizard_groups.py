"""The import preview's shape in the console: anomalies at the top (``1``-``3`` open their users), ``v`` the changes
grouped by field and value (``enter`` opens a group's users), values drawn as text, never as markup; and a snapshot
at 80x24 of the grouped view with an anomaly."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from roster_tui.tui.screens.wizard_groups import GroupsScreen, UsersScreen
from roster_tui.tui.screens.wizard_preview import DiffScreen, PreviewStep
from roster_tui.tui.widgets.lines_view import LinesView

from .conftest import Embedded, screen_text, settle, wait_for
from .test_snapshots_screens import SIZE, in_wizard_fixtures, steady  # noqa: F401  (a fixture)
from .test_wizard import WIZARD, config_dir, to_preview, type_path  # noqa: F401  (autouse: a temp config dir)

SALES = "[b]Field Sales"  # markup in a value: shown as typed


async def open_reorg(pilot: Pilot, path: Path) -> PreviewStep:
    await settle(pilot)
    await type_path(pilot, path)
    return await to_preview(pilot)


async def test_anomalies_on_top_and_the_grouped_view(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(100, 32)) as pilot:
        preview = await open_reorg(pilot, WIZARD / "reorg.csv")
        plan = preview.state.plan
        assert plan is not None and [a.check for a in plan.anomalies] == ["value_share"]
        text = screen_text(app)
        assert f"! 1 department: 27 of 30 changes (90%) write one value, '{SALES}'" in text

        await pilot.press("1")  # the anomaly's users
        await wait_for(pilot, lambda: isinstance(app.screen, UsersScreen))
        users = app.screen
        assert isinstance(users, UsersScreen) and len(users.rows) == 27
        headers, rows = users.export_rows()
        assert headers == ["line", "user", "action", "changes"] and len(rows) == 27
        assert rows[0][2] == "update" and f"→ {SALES}" in rows[0][3]
        assert f"→ {SALES}" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, UsersScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep))
        await pilot.press("2")  # no second anomaly: nothing opens
        await pilot.pause()
        assert isinstance(app.screen, PreviewStep)

        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen))
        groups = app.screen
        assert isinstance(groups, GroupsScreen)
        text = screen_text(app)
        assert "Changes grouped: 3 groups  ·  department 30 · title 3" in text
        assert f"27  department: → {SALES} (from " in text
        headers, rows = groups.export_rows()
        assert headers == ["field", "before", "after", "users", "change"]
        assert rows[0][0] == "anomaly" and rows[1][:4] == ["department", "", SALES, "27"]
        await pilot.press("down", "down", "down")  # past the anomaly and the department groups: the titles
        cursor = groups.query_one(LinesView).cursor
        assert groups.title_rows(cursor)[0] == "title: 3 users → Senior Engineer (from 3 values)"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, UsersScreen))
        assert len(app.screen.rows) == 3  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep))


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_grouped_preview_with_an_anomaly(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """The grouped view of reorg.csv: its anomaly first, then the groups, largest first."""
    async def run_before(pilot: Pilot) -> None:
        await open_reorg(pilot, Path("reorg.csv"))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupsScreen))
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))
