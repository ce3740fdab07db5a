"""The console shows who the token acts as, and a viewer's writes are off (k9s --readonly): hidden from the footer
and the help, their keys refused with a message; on a server that does not say (no ``/Access``), nothing is
hidden."""

from __future__ import annotations

import httpx

from roster_tui.connect import EMBEDDED_URL
from roster_tui.core.access import VIEWER
from roster_tui.scim import changes as journal
from roster_tui.scim.client import RosterClient
from roster_tui.server.app import create_app as create_service
from roster_tui.server.auth import TokenRegistry, token_hash
from roster_tui.tui.app import create_app
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.widgets.status import Banner

from .conftest import Embedded, screen_text, settle, wait_for

VIEWER_TOKEN = "viewer-token-for-the-console"


def footer_of(app: object) -> str:
    """The footer's line (the last line holding the help key)."""
    return next(line for line in reversed(screen_text(app).splitlines()) if "Help" in line)  # type: ignore[arg-type]


def viewer_app(embedded: Embedded) -> object:
    """The console with a token of the person ``vic``, a viewer."""
    embedded.storage.add_person("vic", VIEWER, [])
    embedded.storage.add_person_token("vic", token_hash(VIEWER_TOKEN).hex(), "test")
    tokens = TokenRegistry(lookup=embedded.storage.token_access)
    transport = httpx.ASGITransport(app=create_service(embedded.storage, tokens))
    client = RosterClient(EMBEDDED_URL, VIEWER_TOKEN, transport=transport, max_retries=0)
    return create_app(client, source="http://roster.example/scim/v2")


async def test_a_viewer_sees_their_role_and_no_write_keys(embedded: Embedded) -> None:
    app = viewer_app(embedded)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await wait_for(pilot, lambda: "vic · viewer" in screen_text(app))  # type: ignore[arg-type]
        footer = footer_of(app)
        assert "Import" not in footer and "New" not in footer and "Search" in footer
        await pilot.press("i")
        await wait_for(pilot, lambda: "Import a CSV file or workbook: the token of" in screen_text(app))  # type: ignore[arg-type]
        assert type(app.screen).__name__ == "RosterScreen"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))  # type: ignore[attr-defined]
        await settle(pilot)
        footer = footer_of(app)
        assert "Save" not in footer and "Edit" not in footer and "Back" in footer
        await pilot.press("question_mark")
        await pilot.pause()
        assert "ctrl+s" not in screen_text(app)  # type: ignore[arg-type]
        await pilot.press("question_mark", "ctrl+s")
        await wait_for(pilot, lambda: "Save: the token of vic" in screen_text(app))  # type: ignore[arg-type]


async def test_an_account_admin_sees_every_key(embedded: Embedded) -> None:
    """Every key; the name and role beside the source, but not on the embedded service (always this machine's
    user, an account-admin)."""
    for source, shown in (("http://roster.example/scim/v2", True), ("embedded: roster.db", False)):
        app = create_app(embedded.client(), source=source)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await wait_for(pilot, lambda: app.access is not None)  # noqa: B023 - awaited within the iteration
            await settle(pilot)
            assert ("tui-tests · account-admin" in screen_text(app)) is shown
            assert "Import" in footer_of(app)


async def test_a_viewer_is_told_of_a_change_left_open_without_a_key_it_cannot_use(
        embedded: Embedded, api: RosterClient) -> None:
    change = await journal.open_change(api, "import", {"file": "monthly.csv"}, {"create": 1})
    app = viewer_app(embedded)
    async with app.run_test(size=(120, 30)) as pilot:  # type: ignore[attr-defined]
        banner = app.screen.query_one(Banner)  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: "interrupted" in str(banner.render()))
        assert str(banner.render()) == (f"Import of monthly.csv (change {change.id}) was interrupted: H opens the "
                                        "history")
