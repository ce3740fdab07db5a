"""Pilot tests of the guards in the console: a held plan says so at the top of the import and removal previews, and
only typing the count applies it; otherwise nothing is written (docs/RULES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roster_tui.core.guards import Limits
from roster_tui.scim.client import RosterClient
from roster_tui.tui.screens.dialogs import ConfirmScreen, TypeCountScreen
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.screens.wizard_apply import ResultStep
from roster_tui.tui.screens.wizard_preview import PreviewStep
from roster_tui.tui.widgets.roster_table import RosterTable
from tests.server.helpers import user_body

from .conftest import Embedded, screen_text, settle, wait_for
from .test_removal import plain, preview, run_to_result, search
from .test_wizard import to_preview, type_path


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Recent files go to a temp config dir."""
    folder = tmp_path / "config"
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(folder))
    return folder


async def actives(api: RosterClient, emails: list[str]) -> list[bool]:
    out = []
    for email in emails:
        page = await api.list_users(filter=f'userName eq "{email}"', count=1)
        out.append(page.resources[0]["active"])
    return out


async def test_a_held_import_says_why_at_the_top_and_applies_only_once_the_count_is_typed(
        embedded: Embedded, api: RosterClient, tmp_path: Path) -> None:
    emails = [f"zguard{n}@corp.example" for n in range(3)]
    for email in emails:
        await api.create_user(user_body(email))
    path = tmp_path / "terms.csv"
    path.write_text("Email,Status\n" + "".join(f"{e},terminated\n" for e in emails))
    app = embedded.app(limits=Limits(max_deactivations=2))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, path)
        step = await to_preview(pilot)
        said = "!! HELD: the plan deactivates 3 users; the limit is 2 (guards.max_deactivations)."
        await wait_for(pilot, lambda: said in screen_text(app))
        guards, counts = step.query_one("#guards"), step.query_one("#counts-bar")
        assert guards.region.y < counts.region.y  # at the top, above the counts
        assert "Nothing is written unless you type 3 (the users it would deactivate)" in screen_text(app)
        await pilot.press("a")  # applying a held plan: the count is typed, not a yes
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        assert not isinstance(app.screen, ConfirmScreen) and "the plan deactivates 3 users" in screen_text(app)
        await pilot.press("2", "enter")
        assert isinstance(app.screen, TypeCountScreen) and "That is not 3" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is step)
        assert await actives(api, emails) == [True, True, True]  # nothing written
        assert not step.state.plan.forced and "!! HELD" in screen_text(app)
        await pilot.press("a", "3", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultStep))
        await settle(pilot)
        assert app.screen.state.applied.counts() == {"ok": 3, "conflict": 0, "failed": 0}
    assert await actives(api, emails) == [False, False, False]


async def test_a_plan_within_the_limits_is_not_held(embedded: Embedded, api: RosterClient, tmp_path: Path) -> None:
    for n in range(2):
        await api.create_user(user_body(f"zfine{n}@corp.example"))
    path = tmp_path / "terms.csv"
    path.write_text("Email,Status\nzfine0@corp.example,inactive\nzfine1@corp.example,inactive\n")
    app = embedded.app(limits=Limits(max_deactivations=2))  # 2 is within 2
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, path)
        step = await to_preview(pilot)
        assert not step.query_one("#guards").display and "HELD" not in screen_text(app)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))  # the usual yes/no
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep))


async def test_a_held_removal_says_why_at_the_top_and_removes_only_once_the_count_is_typed(
        embedded: Embedded, api: RosterClient) -> None:
    emails = [f"zheld{n}@corp.example" for n in range(3)]
    for email in emails:
        await api.create_user(user_body(email))
    app = embedded.app(limits=Limits(max_deactivations=2))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = await search(pilot, "zheld", 3)
        await pilot.press("space", "space", "space")
        assert len(table.marked) == 3
        await pilot.press("R")
        screen = await preview(pilot)
        assert "!! HELD: the plan deactivates 3 users; the limit is 2 (guards.max_deactivations)." in plain(app)
        assert screen.query_one("#removal-guards").region.y < screen.query_one("#removal-summary").region.y
        await pilot.press("enter")  # 3 users: a yes would do, but the plan is held
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        assert app.screen.count == 3 and "the plan deactivates 3 users" in app.screen.question
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalScreen))
        assert await actives(api, emails) == [True, True, True]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        await pilot.press("3", "enter")
        run = await run_to_result(pilot)
        assert run.result.counts() == {"ok": 3, "conflict": 0, "failed": 0}
    assert await actives(api, emails) == [False, False, False]
    assert isinstance(table, RosterTable)
