"""Keys typed in one burst right after a focus change land where the focus went, not where it was.

A terminal delivers fast typing (or typeahead while a screen opens) as keys read together; ``pilot.press`` waits
for the app to idle after every key, so these tests send the whole burst through the driver at once instead.
"""

from __future__ import annotations

import contextlib
import time

from textual import events
from textual.widgets import Input

from roster_tui.tui.app import RosterApp
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import Embedded, settle, wait_for


async def until(pilot, condition, timeout: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    """Let the burst play out: until ``condition()`` or ``timeout``; the asserts that follow say what went wrong."""
    with contextlib.suppress(AssertionError):
        await wait_for(pilot, condition, timeout)
    await settle(pilot)


def burst(app: RosterApp, *keys: str) -> None:
    """Send ``keys`` as the terminal would when they are typed faster than the app handles them."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        name = {" ": "space", "@": "at", ".": "full_stop", "/": "slash"}.get(key, key)
        character = key if len(key) == 1 else None
        driver.send_message(events.Key(name, character))


def stall(app: RosterApp, seconds: float) -> None:
    """The fault: the console's loop busy for ``seconds`` (a heavy frame, such as the first rows', on a starved
    machine), queued behind the keys sent before it and ahead of those sent after."""
    driver = app._driver
    assert driver is not None
    driver.send_message(events.Callback(callback=lambda: time.sleep(seconds)))


def value(app: RosterApp, key: str) -> str:
    return app.screen.query_one(f"#f-{key}", Input).value


async def test_tab_in_a_burst_moves_the_rest_of_it_to_the_next_field(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.focused is not None)
        await settle(pilot)
        burst(app, *"ann@example.com", "tab", *"E777", "tab", *"Ann", "tab", *"Lee")
        await until(pilot, lambda: value(app, "last_name") == "Lee")
        assert value(app, "email") == "ann@example.com"
        assert value(app, "employee_id") == "E777"
        assert value(app, "first_name") == "Ann"
        assert value(app, "last_name") == "Lee"


async def test_typing_straight_after_opening_a_new_profile_fills_its_first_field(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        roster = app.screen
        burst(app, "n", *"ann@example.com", "tab", *"E777")
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and value(app, "employee_id") == "E777")
        assert isinstance(app.screen, ProfileScreen)
        assert value(app, "email") == "ann@example.com"
        assert value(app, "employee_id") == "E777"
        # none of the letters was taken as a roster command ("a" admins only, "o" sort, "n" new user...)
        assert isinstance(roster, RosterScreen)
        assert roster.query_one(RosterTable).query_in_effect == RosterQuery()
        assert [type(s) for s in app.screen_stack[-2:]] == [RosterScreen, ProfileScreen]  # one profile, one roster


async def test_search_typed_in_one_burst_goes_to_the_search_field(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        burst(app, "/", *"smith", "enter")
        await until(pilot, lambda: table.query_in_effect.search == "smith")
        assert table.query_in_effect == RosterQuery(search="smith")  # no "s" cycling the status, no "i" import
        assert table.has_focus
        assert isinstance(app.screen, RosterScreen)


async def test_keys_typed_while_the_console_is_stalled_wait_for_the_key_before_them(embedded: Embedded) -> None:
    """A stall of the loop between "/" being handed over and being handled (the first rows' frame on a busy
    machine) must not send the letters typed after it to the table: they wait until "/" has opened the search,
    however long the stall (the console once gave up waiting after a second of wall-clock time)."""
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        burst(app, "/")
        stall(app, 1.5)
        burst(app, *"E100123", "enter")
        await until(pilot, lambda: table.query_in_effect.search == "E100123")
        assert table.query_in_effect == RosterQuery(search="E100123")
        assert isinstance(app.screen, RosterScreen)  # "enter" submitted the search, it opened no profile
        assert table.has_focus and table.total == 1
