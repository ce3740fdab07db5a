"""The history with markup-like values (shown as written) and its footers at 80 columns (main keys whole)."""

from __future__ import annotations

from pathlib import Path

from roster_tui.scim.client import RosterClient
from roster_tui.tui.screens.history import ChangeWritesScreen, HistoryScreen

from .conftest import Embedded, settle, wait_for
from .test_footer_help import assert_footer
from .test_history import applied, confirm_and_run, open_history, preview_undo
from .test_removal import plain
from .test_wizard import WIZARD


async def test_hostile_values_show_as_written_in_the_history_writes_and_undo(
        embedded: Embedded, api: RosterClient, tmp_path: Path) -> None:
    title = "Sales [/EMEA] [@click=app.quit]x[/]"
    path = tmp_path / "hires [b]x[#].csv"
    path.write_text(f"Email,First Name,Last Name,Title\nzed.markup@acme.example,Zed,[b]Mark[/b],{title}\n")
    await applied(api, path)
    app = embedded.app()
    async with app.run_test(size=(160, 40)) as pilot:
        await open_history(pilot)
        assert "hires [b]x[#].csv · 1 create" in plain(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangeWritesScreen) and app.screen.lines)
        await settle(pilot)
        assert f"title: — -> {title}" in plain(app) and "last name: — -> [b]Mark[/b]" in plain(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await preview_undo(pilot)
        assert "delete zed.markup@acme.example" in plain(app) and "hires [b]x[#].csv" in plain(app)
        assert app.is_running


async def test_the_history_footers_fit_80_columns_with_their_main_keys(embedded: Embedded, api: RosterClient) -> None:
    await applied(api, WIZARD / "new_hires.csv")
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot)
        assert_footer(app, "⏎ Writes", "u Undo…", "r Resume…", "o Open plan…", "esc Back")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangeWritesScreen) and app.screen.lines)
        assert_footer(app, "esc Back")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await preview_undo(pilot)
        assert_footer(app, "a Apply…", "esc Back")
        await confirm_and_run(pilot)
        assert_footer(app, "⏎ Back")
