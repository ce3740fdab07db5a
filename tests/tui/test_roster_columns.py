"""The roster's columns: the mark and Name columns stay at the left while ``←``/``→`` scroll the others, and a wide
terminal's spare width goes to the columns whose values are cut."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from roster_tui.core.models import User
from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import RosterApp
from roster_tui.tui.roster_layout import COLUMNS, GUTTER, MAX_WIDTH, NATURAL, fit_widths
from roster_tui.tui.widgets.roster_lines import MARK
from roster_tui.tui.widgets.roster_table import RosterTable
from tests.server.helpers import user_body

from .conftest import Embedded, screen_text, settle, wait_for

LONG_EMAIL = "maximiliana.vandenberg@research-division.example"  # 48 cells: Email is 30
LONG_TITLE = "Principal Site Reliability Engineer II"  # 38 cells: Title is 22 (both fit in 200 columns)


def shown_lines(app: RosterApp) -> list[str]:
    """The lines on screen (the SVG screenshot's text after its stylesheet)."""
    text = screen_text(app)
    return text[text.rfind("}") + 1 :].splitlines()


def line_of(app: RosterApp, name: str) -> str:
    lines = [line for line in shown_lines(app) if name in line]
    assert len(lines) == 1, (name, lines)
    return lines[0]


def table_of(app: RosterApp) -> RosterTable:
    return app.screen.query_one(RosterTable)


async def search(pilot: object, text: str, expected: int) -> RosterTable:
    table = table_of(pilot.app)  # type: ignore[attr-defined]
    await pilot.press("slash", *text, "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: table.query_in_effect.search == text and table.total == expected)  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]
    return table


def header(app: RosterApp) -> str:
    return line_of(app, "Name")


async def test_the_mark_and_name_stay_while_the_other_columns_scroll_and_left_comes_back(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("space", "up")  # the first row marked, the cursor back on it
        await settle(pilot)
        user = table.cursor_user
        assert user is not None and user.id in table.marked
        name = user.display_name
        assert line_of(app, name).startswith(f"{MARK} {name}")
        assert "Email" in header(app) and "Training" not in header(app)
        for column in COLUMNS[1:]:
            await pilot.press("right")
            await settle(pilot)
            assert table.cursor_column is column
            row = line_of(app, name)
            assert row.startswith(f"{MARK} {name}"), (column.key, row)  # still the row's mark and name
            assert header(app).lstrip().startswith("Name"), column.key
            if column.value(user):
                assert column.value(user)[:5] in row, column.key  # the column under the cursor is in view
        assert table.scroll_offset.x > 0
        assert "Email" not in header(app) and "Training" in header(app)
        assert user.email not in line_of(app, name)
        for _ in COLUMNS:
            await pilot.press("left")
        await pilot.press("left")  # at the leftmost position: stays there
        await settle(pilot)
        assert table.cursor_col == 0 and table.scroll_offset.x == 0
        assert line_of(app, name).startswith(f"{MARK} {name}")
        assert user.email in line_of(app, name) and "Email" in header(app)


@pytest.mark.parametrize(("size", "whole"), [((200, 40), True), ((80, 24), False)], ids=["200x40", "80x24"])
async def test_a_wide_terminal_shows_long_values_whole_a_narrow_one_cuts_them(
        embedded: Embedded, api: RosterClient, size: tuple[int, int], whole: bool) -> None:
    await api.create_user(user_body(LONG_EMAIL, given="Max", family="Vandenberg", title=LONG_TITLE))
    app = embedded.app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await search(pilot, "vandenberg", 1)
        table = table_of(app)
        row = line_of(app, "Max Vandenberg")
        if whole:
            assert LONG_EMAIL in row and LONG_TITLE in row
            assert table.scroll_offset.x == 0 and table.virtual_size.width <= table.view_width
            return
        assert LONG_EMAIL not in row and f"{LONG_EMAIL[:29]}…" in row
        await pilot.press(*["right"] * 4)  # Title
        await settle(pilot)
        row = line_of(app, "Max Vandenberg")
        assert LONG_TITLE not in row and f"{LONG_TITLE[:21]}…" in row


async def test_at_200_columns_no_value_of_the_first_screen_is_cut(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        table = table_of(app)
        rows = [line for line in shown_lines(app) if "@acme.example" in line]
        assert len(rows) >= table.body_height - 1
        assert not [row for row in rows if "…" in row]
        assert table.column_layout.widths != NATURAL  # widened, not merely wide enough


async def test_markup_in_user_data_is_text_in_the_frozen_and_the_scrolled_columns(
        embedded: Embedded, api: RosterClient) -> None:
    await api.create_user(user_body("markup.person@tui.example", given="[bold]x", family="Lit",
                                    title="[red]Boss[/red]"))
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = await search(pilot, "markup.person", 1)
        assert line_of(app, "[bold]x Lit").lstrip().startswith("[bold]x Lit")
        await pilot.press(*["right"] * 4)  # Title
        await settle(pilot)
        assert table.scroll_offset.x > 0
        row = line_of(app, "[bold]x Lit")
        assert row.lstrip().startswith("[bold]x Lit") and "[red]Boss[/red]" in row


def test_spare_width_goes_to_the_cut_columns_up_to_their_widest_value() -> None:
    natural_width = GUTTER + sum(w + 1 for w in NATURAL)
    wide = [w + 10 for w in NATURAL]
    assert fit_widths(80, wide) == NATURAL  # no spare width: the columns as they are
    assert fit_widths(natural_width + 500, None) == NATURAL  # nothing loaded yet
    assert fit_widths(natural_width + 500, wide) == tuple(wide)  # each up to its widest value, no more
    assert fit_widths(natural_width + 500, [MAX_WIDTH + 40] * len(NATURAL)) == (MAX_WIDTH,) * len(NATURAL)
    email = [c.key for c in COLUMNS].index("email")
    only_email = [*NATURAL]
    only_email[email] = NATURAL[email] + 25
    assert fit_widths(natural_width + 10, only_email)[email] == NATURAL[email] + 10  # all the spare width
    shared = fit_widths(natural_width + 9, wide)
    assert sum(shared) == sum(NATURAL) + 9 and max(s - n for s, n in zip(shared, NATURAL, strict=True)) == 1


def test_a_user_row_is_cut_with_an_ellipsis_to_the_cell() -> None:
    from roster_tui.tui.roster_layout import Layout, Row

    user = User(id="u1", email=LONG_EMAIL, first_name="A", last_name="B", title=LONG_TITLE)
    text = Row(user).text(Layout())
    assert cell_len(text) == Layout().width - GUTTER and f"{LONG_EMAIL[:29]}… " in text
