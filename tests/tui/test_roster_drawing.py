"""The roster table draws from kept lines and a scrollbar repainted only when its thumb moves: neither may go stale."""

from __future__ import annotations

from rich.cells import cell_len
from textual.geometry import Region
from textual.strip import Strip

from roster_tui.scim.client import RosterClient
from roster_tui.tui.roster_layout import COLUMNS, GUTTER
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import Embedded, settle


def lines(table: RosterTable) -> list[Strip]:
    return [table.render_line(y) for y in range(table.size.height)]


def fresh_lines(table: RosterTable) -> list[Strip]:
    table.notify_style_update()  # forgets every kept line and style
    return lines(table)


async def test_kept_lines_are_the_lines_a_fresh_drawing_makes(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:  # narrower than the table: horizontal scrolling too
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        steps = [
            ("down",),
            ("down", "space"),
            ("right",) * 3,
            ("right",) * 5,
            ("pagedown",),
            ("up",),
            ("space",),
            ("left",) * 8,
            ("end",),
            ("home",),
            ("slash",),
            ("escape",),
            ("s",),
            ("o",),
            ("s", "s"),
        ]
        for keys in steps:
            await pilot.press(*keys)
            await settle(pilot)
            assert lines(table) == fresh_lines(table), keys


async def test_the_scrollbar_on_screen_is_never_behind_the_scroll(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        bar = table.vertical_scrollbar
        region = Region(0, 0, bar.size.width, bar.size.height)
        for keys in [
            ("down",) * 50,
            ("down",),
            ("pagedown",),
            ("pagedown",) * 3,
            ("up",) * 7,
            ("end",),
            ("pageup",),
            ("home",),
        ]:
            await pilot.press(*keys)
            await settle(pilot)
            shown = bar.render_lines(region)  # what the scrollbar last drew, unless asked to repaint
            bar.refresh()
            assert shown == bar.render_lines(region), keys
            assert bar.position == bar.validate_position(table.scroll_y)


async def test_wide_characters_keep_the_columns_in_line(embedded: Embedded, api: RosterClient) -> None:
    await api.create_user({"userName": "yamada@tui.example", "name": {"givenName": "太郎", "familyName": "山田"}})
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"yamada", "enter")
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        assert table.total == 1
        await pilot.press("down")  # the cursor off the row, then onto it: both ways of drawing it
        for _ in range(2):
            line = table.render_line(1)
            text = line.text
            assert line.cell_length == table.size.width == cell_len(text)
            assert cell_len(text[: text.index("yamada@tui.example")]) == GUTTER + COLUMNS[0].width + 1
            await pilot.press("up")
            await settle(pilot)
