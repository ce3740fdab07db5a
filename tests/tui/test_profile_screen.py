"""Pilot tests of the profile screen against the real service: open, edit, validate, conflict, admin, new user."""

from __future__ import annotations

import secrets

import httpx
import pytest
from textual.widgets import Input, SelectionList, Static, Switch

from roster_tui.core.models import ACCOUNT_ADMIN
from roster_tui.core.scim import user_from_scim
from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import RosterApp, create_app
from roster_tui.tui.screens.conflict import ConflictScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.profile_nav import ROWS
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import Embedded, RecordingTransport, screen_text, settle, wait_for

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


async def open_profile(pilot, employee_id: str) -> ProfileScreen:  # type: ignore[no-untyped-def]
    """Search the roster for ``employee_id`` and open that profile."""
    await settle(pilot)
    await pilot.press("slash", *employee_id, "enter")
    await settle(pilot)
    table = pilot.app.screen.query_one(RosterTable)
    assert table.total == 1
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProfileScreen))
    await settle(pilot)
    return pilot.app.screen


def field(screen: ProfileScreen, key: str) -> Input:
    return screen.query_one(f"#f-{key}", Input)


def message(screen: ProfileScreen, key: str) -> str:
    return str(screen.query_one(f"#e-{key}", Static).render())


def banner(screen: ProfileScreen) -> str:
    return str(screen.query_one("#banner").render())


async def go_to(pilot, screen: ProfileScreen, key: str) -> None:  # type: ignore[no-untyped-def]
    """Leave the field being edited (if any) and move the row cursor to ``key``'s row with j/k."""
    if screen.editing:
        await pilot.press("escape")
    steps = ROWS.index(key) - ROWS.index(screen.row_key)
    await pilot.press(*(["j"] * steps if steps > 0 else ["k"] * -steps))
    assert screen.row_key == key and screen.editing is None


async def set_field(pilot, screen: ProfileScreen, key: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Edit ``key`` as the admin does: go to its row, ``e``, clear it, type ``value``, ``enter``."""
    await go_to(pilot, screen, key)
    await pilot.press("e")
    assert screen.editing == key
    await pilot.press("ctrl+u", *value, "enter")
    await pilot.pause()


async def user_by_employee_id(api: RosterClient, employee_id: str):  # type: ignore[no-untyped-def]
    page = await api.list_users(
        filter=f'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "{employee_id}"')
    return user_from_scim(page.resources[0])


async def test_open_edit_and_save_sends_the_etag(embedded: Embedded, api: RosterClient) -> None:
    before = await user_by_employee_id(api, "E100010")
    sent = RecordingTransport(embedded.transport)
    app = embedded.app(transport=sent)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100010")
        assert field(screen, "email").value == before.email
        assert field(screen, "title").value == (before.title or "")
        assert "Training assignments" in str(screen.query_one(".section-title").parent.query(".section-title")[1]
                                              .render())
        await set_field(pilot, screen, "title", "Chief Roster Officer")
        assert screen.dirty
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved" in banner(screen)
        assert not screen.dirty
        after = await user_by_employee_id(api, "E100010")
        assert after.title == "Chief Roster Officer"
        assert after.version != before.version
        assert after.assignments == before.assignments  # read-only, kept
        # the PATCH carried the version the profile loaded
        patches = sent.sent("PATCH", f"/Users/{before.id}")
        assert [(p.headers.get("If-Match"), p.status) for p in patches] == [(before.version, 200)]

        # someone else saves another field meanwhile: the profile's version is stale now
        await api.patch_user(before.id, [{"op": "replace", "path": f"{ENT}:department", "value": "Theirs"}])
        theirs = await user_by_employee_id(api, "E100010")
        await set_field(pilot, screen, "location", "Mine")
        await pilot.press("ctrl+s")
        await settle(pilot)
        patches = sent.sent("PATCH", f"/Users/{before.id}")[1:]
        # the service refused the stale version (412); the profile read theirs and wrote over it, with its ETag
        assert [(p.headers.get("If-Match"), p.status) for p in patches] == [(after.version, 412),
                                                                              (theirs.version, 200)]
        assert banner(screen) == (f"Saved {after.display_name}. Kept the changes saved meanwhile to Department."
                                  )
        stored = await user_by_employee_id(api, "E100010")
        assert (stored.title, stored.department, stored.location) == ("Chief Roster Officer", "Theirs", "Mine")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.query_one(RosterTable).user_at(0).title == "Chief Roster Officer"


@pytest.mark.slow
async def test_fields_are_validated_as_typed_and_sync_field_warns(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_profile(pilot, "E100011")
        await set_field(pilot, screen, "email", "not-an-email")
        assert "not a valid email" in message(screen, "email")
        await set_field(pilot, screen, "hire_date", "03/04/2020")
        assert "YYYY-MM-DD" in message(screen, "hire_date")
        await set_field(pilot, screen, "first_name", "")
        assert message(screen, "first_name") == "required"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Fix 3 fields before saving" in banner(screen)
        await set_field(pilot, screen, "first_name", "Ann")
        await set_field(pilot, screen, "hire_date", "2020-04-03")
        assert message(screen, "hire_date") == ""
        await set_field(pilot, screen, "email", "ann.renamed@acme.example")
        assert "sync field" in message(screen, "email") and "import files" in message(screen, "email")
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = await user_by_employee_id(api, "E100011")
        assert (saved.email, saved.first_name, saved.hire_date) == ("ann.renamed@acme.example", "Ann",
                                                                    "2020-04-03")


@pytest.mark.parametrize("choice", ["overwrite", "reload"])
async def test_conflict_dialog_shows_both_versions(embedded: Embedded, api: RosterClient, choice: str) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100012")
        # someone else changes the user between load and save
        await api.patch_user(screen.user.id, [{"op": "replace", "path": "title", "value": "Their Title"}])
        await set_field(pilot, screen, "title", "My Title")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        dialog = app.screen
        assert dialog.mine.title == "My Title" and dialog.theirs.title == "Their Title"
        text = screen_text(app)
        assert "My Title" in text and "Their Title" in text
        await pilot.press(choice[0])
        await settle(pilot)
        assert app.screen is screen
        stored = await user_by_employee_id(api, "E100012")
        if choice == "overwrite":
            assert stored.title == "My Title"
            assert "Saved" in banner(screen)
        else:
            assert stored.title == "Their Title"
            assert field(screen, "title").value == "Their Title"
            assert not screen.dirty


async def test_admin_on_with_roles_then_off(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100013")
        assert not screen.query_one("#admin-switch", Switch).value
        roles = screen.query_one("#roles", SelectionList)
        assert roles.disabled
        await go_to(pilot, screen, "admin")
        await pilot.press("space")
        await pilot.pause()
        assert not roles.disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "choose at least one role" in message(screen, "roles")
        await go_to(pilot, screen, "roles")
        await pilot.press("enter")  # into the list: Account Admin highlighted
        assert screen.editing == "roles"
        await pilot.press("down", "space")  # Training Admin
        await pilot.press("down", "down", "space")  # User Admin
        assert "on: Training Admin, User Admin" in str(screen.query_one("#admin-state").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (await user_by_employee_id(api, "E100013")).roles == ("Training Admin", "User Admin")
        await go_to(pilot, screen, "admin")
        await pilot.press("enter")
        await pilot.pause()
        assert roles.disabled and not roles.selected
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (await user_by_employee_id(api, "E100013")).roles == ()


async def test_refused_save_shows_the_service_detail(server) -> None:  # type: ignore[no-untyped-def]
    """Against ``roster serve`` on loopback: another client takes the employee ID after the save's own check
    found it free and before the save's PATCH arrives; the service's 409 (uniqueness) is shown with its detail."""
    tag = secrets.token_hex(4)
    taken = f"TUI-LATE-{tag}"
    async with RosterClient(server.url, server.token) as api:
        mine = await api.create_user({"userName": f"refusal.{tag}@tui.example", "name": {
            "givenName": "R", "familyName": "Refusal"}, ENT: {"employeeNumber": f"TUI-REF-{tag}"}})
        theirs: list[dict] = []  # type: ignore[type-arg]

        async def another_client_takes_it(request: httpx.Request) -> None:
            if request.method == "PATCH" and not theirs:
                theirs.append(await api.create_user({"userName": f"late.{tag}@tui.example", "name": {
                    "givenName": "L", "familyName": "Late"}, ENT: {"employeeNumber": taken}}))

        sent = RecordingTransport(httpx.AsyncHTTPTransport(), before=another_client_takes_it)
        client = RosterClient(server.url, server.token, transport=sent)
        app = create_app(client, source=server.url)
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await open_profile(pilot, f"TUI-REF-{tag}")
            await set_field(pilot, screen, "employee_id", taken)
            await pilot.press("tab")  # the field's own check: nobody has it yet
            await settle(pilot)
            assert "already used" not in message(screen, "employee_id")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert banner(screen) == "Not saved: employeeNumber is already taken by another user"
            assert isinstance(app.screen, ProfileScreen) and field(screen, "employee_id").value == taken
        await client.aclose()
        assert [e.status for e in sent.sent("PATCH", f"/Users/{mine['id']}")] == [409]
        assert (await api.get_user(mine["id"]) or {})[ENT]["employeeNumber"] == f"TUI-REF-{tag}"
        assert len(theirs) == 1


@pytest.mark.slow
async def test_new_user_reports_duplicates_before_saving(embedded: Embedded, api: RosterClient) -> None:
    taken = await user_by_employee_id(api, "E100020")
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await settle(pilot)
        screen = app.screen
        assert field(screen, "email").value == ""
        await pilot.press(*taken.email.upper(), "tab")  # compared case-insensitively
        await settle(pilot)
        assert f"already used by {taken.email}" in message(screen, "email")
        await pilot.press(*"E100020", "tab")
        await settle(pilot)
        assert "already used by" in message(screen, "employee_id")
        await set_field(pilot, screen, "email", "new.person@acme.example")
        await set_field(pilot, screen, "employee_id", "N-0001")
        await pilot.press("tab")
        await set_field(pilot, screen, "first_name", "New")
        await set_field(pilot, screen, "last_name", "Person")
        await set_field(pilot, screen, "manager", taken.employee_id or "")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved" in banner(screen), banner(screen)
        created = await user_by_employee_id(api, "N-0001")
        assert (created.email, created.first_name, created.manager_id, created.active) == (
            "new.person@acme.example", "New", taken.id, True)


async def test_leaving_with_unsaved_edits_asks_first(embedded: Embedded) -> None:
    app: RosterApp = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profile(pilot, "E100014")
        await set_field(pilot, screen, "title", "Unsaved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and field(screen, "title").value == "Unsaved"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))


async def test_last_account_admin_refusal_is_shown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A roster of its own with exactly one active Account Admin: switching admin off is refused by the
    service, and the profile says why and keeps the edit."""
    from tests.conftest import start_server, stop_server

    server = start_server(tmp_path)
    try:
        async with RosterClient(server.url, server.token) as api:
            await api.create_user({"userName": "only.admin@tui.example", "name": {"givenName": "Only",
                                   "familyName": "Admin"}, "roles": [{"value": ACCOUNT_ADMIN}],
                                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                                   {"employeeNumber": "TUI-ADMIN-1"}})
            client = RosterClient(server.url, server.token)
            app = create_app(client, source=server.url)
            async with app.run_test(size=(160, 50)) as pilot:
                screen = await open_profile(pilot, "TUI-ADMIN-1")
                await go_to(pilot, screen, "admin")
                await pilot.press("space")
                await pilot.pause()
                await pilot.press("ctrl+s")
                await settle(pilot)
                assert "last active Account Admin" in banner(screen)
                assert isinstance(app.screen, ProfileScreen)
            await client.aclose()
            assert (await user_by_employee_id(api, "TUI-ADMIN-1")).roles == (ACCOUNT_ADMIN,)
    finally:
        stop_server(server)


async def test_profile_shows_the_audit_history(embedded: Embedded, api: RosterClient) -> None:
    user = await user_by_employee_id(api, "E100030")
    await api.patch_user(user.id, [{"op": "replace", "path": "title", "value": "Historian"}])
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100030")

        async def history() -> str:
            screen.query_one("#history", Static).scroll_visible(animate=False)
            await pilot.pause()
            return screen_text(app)

        text = await history()
        assert "patch" in text and f"title: {user.title} → Historian" in text
        await set_field(pilot, screen, "title", "Archivist")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "title: Historian → Archivist" in await history()


# -- a save changes only what the admin edited ---------------------------------------------------------
