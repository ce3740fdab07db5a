"""At 80x24 the footer of each screen shows its main keys and ``?`` whole; ``?`` shows every key over the screen
without laying it out again, and ``esc`` closes it; the palette offers each command once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from textual.widgets import Footer

from roster_tui.tui.app import RosterApp
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.terms_list import TermsListScreen
from roster_tui.tui.screens.wizard_apply import ResultStep
from roster_tui.tui.screens.wizard_file import FileStep
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.screens.wizard_preview import PreviewStep
from roster_tui.tui.screens.wizard_validation import ValidationStep
from roster_tui.tui.widgets.keys_help import KeysHelp
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import Embedded, screen_text, settle, wait_for

NEW_HIRES = Path(__file__).parent.parent / "fixtures" / "wizard" / "new_hires.csv"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Recent files go to a temp config dir."""
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def footer_line(app: RosterApp) -> str:
    """The footer as drawn (the screen's last line); fails when its keys need more room than the screen has."""
    footer = app.screen.query_one(Footer)
    assert footer.size.width == 80 and footer.virtual_size.width <= 80, "the footer is cut"
    return app.screen._compositor.render_strips()[-1].text


def assert_footer(app: RosterApp, *wanted: str) -> None:
    line = footer_line(app)
    missing = [w for w in (*wanted, "? Help") if w not in line]
    assert missing == [], (type(app.screen).__name__, line)


async def test_every_screen_footer_fits_80_columns_with_its_main_keys_and_help(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert_footer(app, "⏎ Open", "space Mark", "/ Search", "n New", "i Import", "R Remove", "T Terms list",
                      "q Quit")
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        assert_footer(app, "^s Preview pasted", "^o Load file", "esc Cancel")
        await pilot.press("escape", "space", "R")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalScreen))
        await settle(pilot)
        assert_footer(app, "⏎ Remove…", "x Delete/deactivate", "esc Cancel")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
        assert_footer(app, "esc Back", "^o Browse", "^r Recent", "^g Encoding", "^t Delimiter", "^n Next")
        await pilot.press(*str(NEW_HIRES), "enter")
        await wait_for(pilot, lambda: "rows  ·" in screen_text(app))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
        assert_footer(app, "esc Back", "⏎ Validate", "f Pick field", "s Sync field", "d Dates")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep) and app.screen.ready)
        await settle(pilot)
        assert_footer(app, "esc Back", "f Filter", "/ Search", "s Save errors", "space Message", "⏎ Next")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep) and bool(app.screen.groups))
        await settle(pilot)
        assert_footer(app, "esc Back", "⏎ Fields", "a Apply…")
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultStep))
        await settle(pilot)
        assert_footer(app, "Back to roster")


def help_shown(app: RosterApp) -> bool:
    return any(panel.display for panel in app.screen.query(KeysHelp))


async def test_help_lists_every_key_over_the_roster_and_escape_closes_it(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        size = table.size
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: help_shown(app))
        text = screen_text(app)
        for row in ("esc  Clear query", "s  Status", "o  Sort by column", "R  Remove the marked users",
                    "T  Remove users of a terms list", "q ^q  Quit", "ctrl+p  Command palette"):
            assert row in text, row
        assert table.size == size  # drawn over the table, which keeps its width: nothing is laid out again
        await pilot.press("escape")  # closes the help, and only that: the roster keeps its query
        await wait_for(pilot, lambda: not help_shown(app))
        assert isinstance(app.screen, RosterScreen)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
        await pilot.press("f1")
        await wait_for(pilot, lambda: help_shown(app))
        assert "^n  Next: the mapping" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not help_shown(app))
        assert isinstance(app.screen, FileStep)  # escape closed the help, not the step
        await pilot.press("question_mark", "question_mark")
        await pilot.pause()
        assert not help_shown(app)
        await pilot.press("escape")  # with no help open, escape is the step's again
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))


async def test_the_palette_offers_each_command_once(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert [t for t, n in Counter(titles).items() if n > 1] == []
        assert {"Quit", "Help", "Clear query", "Remove the marked users", "Theme"} <= set(titles)
        assert "Keys" not in titles  # Textual's help panel: the console's Help is it
