"""The console's profile save against a SCIM server written by others (scim2-server), which stores attributes
the console does not show: a save changes only the edited field and keeps everything else."""

from __future__ import annotations

from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER
from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import create_app
from roster_tui.tui.screens.profile import ProfileScreen
from tests.scim.conftest import ScimServer, scim_server  # noqa: F401 (the session fixture, shared)

from .conftest import settle, wait_for
from .test_profile_screen import banner, field, set_field

EXTRAS = {
    "externalId": "okta-00u1abcd",
    "nickName": "Zed",
    "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
    "addresses": [{"streetAddress": "1 Main St", "locality": "Springfield", "type": "work"}],
    "locale": "en-US",
}


async def test_save_keeps_what_a_foreign_server_holds(scim_server: ScimServer) -> None:  # noqa: F811
    async with RosterClient(scim_server.base_url, scim_server.token) as api:
        created = await api.create_user({
            "schemas": [CORE_USER, ENTERPRISE_USER], "userName": "zed.foreign@example.com",
            "name": {"givenName": "Zed", "familyName": "Foreign", "middleName": "Q"},
            "emails": [{"value": "zed.foreign@example.com", "type": "work", "primary": True},
                       {"value": "zed@home.example", "type": "home"}],
            "title": "Before", ENTERPRISE_USER: {"department": "Ops", "costCenter": "CC-7"}, **EXTRAS})
        client = RosterClient(scim_server.base_url, scim_server.token, max_retries=0)
        app = create_app(client, source=scim_server.base_url)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            app.push_screen(ProfileScreen(created["id"]))
            await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
            await settle(pilot)
            screen = app.screen
            assert field(screen, "title").value == "Before"
            await set_field(pilot, screen, "title", "After")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "Saved" in banner(screen), banner(screen)
        await client.aclose()
        stored = await api.get_user(created["id"])
    assert stored is not None
    assert stored["title"] == "After"
    for key, value in EXTRAS.items():
        assert stored[key] == value, key
    assert stored["name"]["middleName"] == "Q"
    assert stored[ENTERPRISE_USER] == {"department": "Ops", "costCenter": "CC-7"}
    assert [e["value"] for e in stored["emails"]] == ["zed.foreign@example.com", "zed@home.example"]
