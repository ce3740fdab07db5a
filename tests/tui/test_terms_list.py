"""The terms list (``T``): a list pasted with comments and names reads as its keys, and escape on the preview goes
back to the text as it was."""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from roster_tui.scim.client import RosterClient
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.terms_list import TermsListScreen

from .conftest import Embedded, settle, wait_for


async def test_a_pasted_list_with_comments_previews_its_keys_and_escape_keeps_the_text(
        embedded: Embedded, api: RosterClient) -> None:
    users = [r for r in (await api.list_users(filter="active eq true", count=40)).resources if not r.get("roles")][:2]
    pasted = (f"# terms, November\n{users[0]['userName']}  # last day 11/30\n"
              f"Someone Else <{users[1]['userName']}>, left 12/01\n")
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        area = app.screen.query_one(TextArea)
        app.post_message(events.Paste(pasted))
        await wait_for(pilot, lambda: area.text == pasted)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalScreen) and app.screen.choices is not None)
        screen = app.screen
        assert screen.source == "pasted list (2 keys)"
        rows = screen.choices.plan().rows  # type: ignore[union-attr]
        assert [(r.key, r.action) for r in rows] == [(users[0]["userName"], "deactivate"),
                                                      (users[1]["userName"], "deactivate")]
        await pilot.press("escape")  # back to the editor, the text as it was
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        assert app.screen.query_one(TextArea).text == pasted
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
    assert [(await api.get_user(u["id"]))["active"] for u in users] == [True, True]  # nothing was written
