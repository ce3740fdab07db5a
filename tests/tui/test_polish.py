"""Small things an admin notices: counts said right, messages whole after a horizontal scroll, a sort refused
aloud, no "go on" with nothing valid, a file browser that lists only what the wizard reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Static

from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.wizard_file import BrowseScreen, FileStep
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.screens.wizard_validation import IssueScreen, ValidationStep
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import Embedded, screen_text, settle, wait_for


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Recent files go to a temp config dir."""
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def table_lines(app: object) -> list[str]:
    table = app.screen.query_one(RosterTable)  # type: ignore[attr-defined]
    return [table.render_line(y).text for y in range(3)]


async def to_validation(pilot: Pilot, path: Path, *, rows: int) -> None:
    """From the roster: i, open ``path`` (``rows`` rows), the mapping as proposed, and the validation step ready."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
    await pilot.press(*str(path), "enter")
    await wait_for(pilot, lambda: f"{rows} rows  ·" in screen_text(app))
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep) and app.screen.ready)
    await settle(pilot)


async def test_after_a_horizontal_scroll_messages_start_at_the_left_and_o_says_why_it_cannot_sort(
        embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        await pilot.press(*["right"] * 8)  # Training: the columns scrolled left
        assert table.cursor_column.key == "training" and table.scroll_offset.x > 0
        await pilot.press("o")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["The roster cannot be sorted by training."]  # type: ignore[attr-defined]
        await pilot.press("slash", *"zz-nobody-zz", "enter")
        await wait_for(pilot, lambda: table.total == 0)
        await settle(pilot)
        assert table.scroll_offset.x > 0
        assert table_lines(app)[1].startswith(" No users match the query (esc clears it).")


async def test_a_file_where_every_row_has_an_error_offers_no_going_on(embedded: Embedded, tmp_path: Path) -> None:
    path = tmp_path / "all_bad.csv"
    path.write_text("Email,First Name,Last Name\nbroken@,Bad,One\nalso-broken,Bad,Two\n", encoding="utf-8")
    app = embedded.app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await to_validation(pilot, path, rows=2)
        text = screen_text(app)
        assert "0 valid rows" in text and "2 errors" in text and "Every row has an error" in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ValidationStep)  # no "Go on with the 0 valid rows?"
        assert any("nothing to import" in n.message for n in app._notifications)  # type: ignore[attr-defined]


async def test_one_valid_row_is_asked_about_in_the_singular(embedded: Embedded, tmp_path: Path) -> None:
    path = tmp_path / "one_good.csv"
    path.write_text("Email,First Name,Last Name\nbroken@,Bad,One\nzz.fine@acme.example,Fine,Row\n",
                    encoding="utf-8")
    app = embedded.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await to_validation(pilot, path, rows=2)
        assert "1 valid row  ·  1 error  ·" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Go on with the 1 valid row?" in screen_text(app))


async def test_the_file_browser_lists_folders_csv_tsv_txt_files_and_workbooks_with_plain_icons(
        embedded: Embedded, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.csv", "b.TSV", "c.txt", "roster.db", "api.token", "token", ".hidden.csv", "notes.xlsx"):
        (folder / name).write_text("x\n", encoding="utf-8")
    app = embedded.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
        await pilot.press(*f"{folder}/", "ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowseScreen))
        tree = app.screen.query_one(DirectoryTree)
        await wait_for(pilot, lambda: len(tree.root.children) > 0)  # (the tree's loader worker never idles)
        assert [str(node.label) for node in tree.root.children] == ["sub", "a.csv", "b.TSV", "c.txt", "notes.xlsx"]
        text = screen_text(app)
        assert "+ sub" in text and "a.csv" in text
        assert not any(icon in text for icon in ("📁", "📂", "📄"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))


async def test_space_on_a_validation_row_shows_its_whole_message(embedded: Embedded, tmp_path: Path) -> None:
    path = tmp_path / "one_bad.csv"
    path.write_text("Email,First Name,Last Name\nbroken@,Bad,One\nzz.fine@acme.example,Fine,Row\n", encoding="utf-8")
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_validation(pilot, path, rows=2)
        step = app.screen
        message = step.shown[0].message
        assert " ".join(message.split()) not in " ".join(screen_text(app).split())  # cut at 80 columns
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, IssueScreen))
        shown = [str(s.render()) for s in app.screen.query(Static)]
        assert message in shown and "Error on line 2, column A Email" in shown and "Value: broken@" in shown
        box = app.screen.query_one("#issue")
        assert box.region.right <= 80 and box.region.bottom <= 24  # the whole message on screen
        await pilot.press("escape")  # closes the message only
        await wait_for(pilot, lambda: app.screen is step)


async def test_r_says_refreshed_only_once_the_rows_are_in(embedded: Embedded) -> None:
    from tests.tui.test_snapshots_screens import Unplugged

    unplugged = Unplugged(embedded.transport)
    app = embedded.app(transport=unplugged)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: any(n.message == "Refreshed" for n in app._notifications))
        app.clear_notifications()
        unplugged.down = True
        await pilot.press("r")
        await wait_for(pilot, lambda: "Connection lost" in screen_text(app))
        await settle(pilot)
        assert not any(n.message == "Refreshed" for n in app._notifications)
