"""Pilot tests of a profile save against the real service: only what the admin edited is written, what others
saved meanwhile is kept, a conflict asks only about the fields both changed, and no edit is thrown away."""

from __future__ import annotations

from roster_tui.scim.client import RosterClient
from roster_tui.tui.screens.conflict import ConflictScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen

from .conftest import Embedded, screen_text, settle, wait_for
from .test_profile_screen import ENT, banner, field, message, open_profile, set_field, user_by_employee_id


async def _user_with_extras(api: RosterClient, employee_id: str) -> dict:  # type: ignore[type-arg]
    """A user as an identity provider would write it: externalId, a home email, its own display name."""
    return await api.create_user({
        "userName": f"{employee_id.lower()}@extras.example", "externalId": f"idp-{employee_id}",
        "displayName": "Al B. (contractor)", "name": {"givenName": "Al", "familyName": "Extras"},
        "emails": [{"value": f"{employee_id.lower()}@extras.example", "type": "work", "primary": True},
                   {"value": "al@home.example", "type": "home"}],
        "title": "Before", ENT: {"employeeNumber": employee_id, "department": "Ops"}})


async def test_save_patches_only_the_edited_fields_and_keeps_the_rest(embedded: Embedded,
                                                                     api: RosterClient) -> None:
    created = await _user_with_extras(api, "XTRA-1")
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "XTRA-1")
        await set_field(pilot, screen, "title", "After")
        await set_field(pilot, screen, "email", "xtra-1.renamed@extras.example")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved" in banner(screen), banner(screen)
    stored = await api.get_user(created["id"])
    assert stored is not None
    assert stored["title"] == "After"
    assert stored["externalId"] == "idp-XTRA-1"
    assert stored["displayName"] == "Al B. (contractor)"
    assert {e["value"] for e in stored["emails"]} == {"xtra-1.renamed@extras.example", "al@home.example"}
    assert stored[ENT]["department"] == "Ops"
    assert stored["meta"]["version"] != created["meta"]["version"]
    history = await api.user_history(created["id"])
    assert set(history[0]["changes"]) == {"title", "user_name", "email"}  # one write, of those fields only


async def test_save_without_edits_writes_nothing(embedded: Embedded, api: RosterClient) -> None:
    before = await user_by_employee_id(api, "E100015")
    entries = len(await api.user_history(before.id))
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100015")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing to save" in banner(screen)
    after = await user_by_employee_id(api, "E100015")
    assert after.version == before.version
    assert len(await api.user_history(before.id)) == entries


async def test_changes_saved_meanwhile_to_other_fields_are_kept(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100016")
        await api.patch_user(screen.user.id, [{"op": "replace", "path": f"{ENT}:department", "value": "Theirs"}])
        await set_field(pilot, screen, "title", "Mine")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictScreen)
        assert "Saved" in banner(screen) and "Department" in banner(screen)
        assert field(screen, "department").value == "Theirs"
    stored = await user_by_employee_id(api, "E100016")
    assert (stored.title, stored.department) == ("Mine", "Theirs")


async def test_conflict_asks_only_about_fields_both_changed(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100017")
        await api.patch_user(screen.user.id, [
            {"op": "replace", "path": "title", "value": "Their Title"},
            {"op": "replace", "path": f"{ENT}:division", "value": "Their Division"},
            {"op": "replace", "path": f"{ENT}:department", "value": "Their Department"}])
        await set_field(pilot, screen, "title", "My Title")
        await set_field(pilot, screen, "division", "My Division")
        await set_field(pilot, screen, "location", "My Location")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        dialog = app.screen
        assert dialog.conflicts == ["title", "division"]
        assert dialog.kept == ["department"] and dialog.mine_only == ["location"]
        await pilot.press("down", "space")  # division: keep theirs; title stays "yours"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and "Saved" in banner(screen)
    stored = await user_by_employee_id(api, "E100017")
    assert (stored.title, stored.division, stored.department, stored.location) == (
        "My Title", "Their Division", "Their Department", "My Location")


async def test_reload_with_unsaved_edits_asks_first(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_profile(pilot, "E100018")
        original = field(screen, "title").value
        await set_field(pilot, screen, "title", "Not yet saved")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and field(screen, "title").value == "Not yet saved"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot)
        assert field(screen, "title").value == original and not screen.dirty


async def test_a_manager_not_in_the_roster_is_never_shown_as_an_id(embedded: Embedded, api: RosterClient) -> None:
    user = await user_by_employee_id(api, "E100019")
    ghost = "0f0e0d0c-dead-4bee-8f00-123456789abc"
    with embedded.storage.write("someone") as writer:  # a reference left by another system
        writer.update(user.id, lambda doc: {**doc, ENT: {**doc.get(ENT, {}), "manager": {"value": ghost}}},
                      None, "patch")
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100019")
        assert field(screen, "manager").value == ""
        assert "no longer in the roster" in message(screen, "manager")
        assert ghost not in screen_text(app)
        await set_field(pilot, screen, "title", "Still here")  # a save of another field keeps the reference
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert (await user_by_employee_id(api, "E100019")).manager_id == ghost


async def test_status_change_says_what_it_does_to_training_and_reactivation_restores_it(
        embedded: Embedded, api: RosterClient) -> None:
    from textual.widgets import Select

    from tests.conftest import assign_training

    user = await user_by_employee_id(api, "E100021")
    assign_training(embedded.storage, user.id, [
        {"course": "Privacy", "status": "not_started"}, {"course": "Safety", "status": "in_progress"},
        {"course": "Conduct", "status": "completed", "completedAt": "2026-01-20T10:00:00Z"}])
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_profile(pilot, "E100021")
        status = screen.query_one("#f-status", Select)
        status.value = "inactive"
        await pilot.pause()
        assert message(screen, "status") == ("deactivating cancels 2 not-yet-completed assignments "
                                             "(1 not started, 1 in progress) (reactivating restores them)")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(screen, "status") == ""
        status.value = "active"
        await pilot.pause()
        assert message(screen, "status") == ("reactivating restores 2 assignments that deactivation cancelled "
                                             "(1 not started, 1 in progress)")
        await pilot.press("ctrl+s")
        await settle(pilot)
    restored = await user_by_employee_id(api, "E100021")
    assert restored.active
    assert {a.course: a.status.value for a in restored.assignments} == {
        "Privacy": "not_started", "Safety": "in_progress", "Conduct": "completed"}
