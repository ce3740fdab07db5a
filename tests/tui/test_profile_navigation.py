"""The profile opens in navigation mode: ``?``, ``q``, ``j``/``k``, space and letters mean what they mean on every
other screen and change no field; a field takes keys only after ``enter``/``e``, its text never selected."""

from __future__ import annotations

from dataclasses import asdict

from textual.widgets import Input, Select, SelectionList, Switch

from roster_tui.scim.client import RosterClient
from roster_tui.tui.profile_tables import history_table
from roster_tui.tui.screens.dialogs import ConfirmScreen
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.profile_nav import HELP_PANELS, ROWS
from roster_tui.tui.screens.roster import RosterScreen

from .conftest import Embedded, screen_text, settle, wait_for
from .test_profile_screen import banner, field, go_to, open_profile, user_by_employee_id


def help_shown(screen: ProfileScreen) -> bool:
    return any(panel.display for panel in screen.query(HELP_PANELS))


def values(screen: ProfileScreen) -> dict[str, str]:
    return {key: field(screen, key).value for key in ROWS if key not in ("status", "admin", "roles")}


def footer(app: object) -> str:
    return screen_text(app).rstrip().splitlines()[-1]  # type: ignore[arg-type]


async def test_keys_of_other_screens_change_nothing_and_q_goes_back(embedded: Embedded, api: RosterClient) -> None:
    before = await user_by_employee_id(api, "E100040")
    stored = await api.get_user(before.id)
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profile(pilot, "E100040")
        shown = values(screen)
        assert screen.editing is None and screen.row_key == "email" and app.focused is None
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: help_shown(screen))
        await pilot.press("q")  # closes the help first
        await wait_for(pilot, lambda: not help_shown(screen))
        assert app.screen is screen
        await pilot.press("j", "j", "k", "space", "x", "a", "z", "w", "question_mark", "escape")
        await pilot.press("k", "k", "space", *"sync", "slash", "n", "r", "backspace", "delete")
        await settle(pilot)
        assert app.screen is screen and screen.row_key == "email"
        assert values(screen) == shown
        assert screen.editing is None and not screen.dirty
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))  # nothing to save: no question
    assert await api.get_user(before.id) == stored


async def test_tab_and_space_never_blank_a_field(embedded: Embedded, api: RosterClient) -> None:
    before = await user_by_employee_id(api, "E100041")
    app = embedded.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_profile(pilot, "E100041")
        shown = values(screen)
        await pilot.press(*["tab"] * (len(ROWS) + 3))  # no wrap back to Email at the end
        assert screen.row_key == "roles" and screen.editing is None
        await pilot.press("space", "space", "shift+tab", "shift+tab", "space", "space")  # admin: on, then off
        assert screen.row_key == "status" and not screen.query_one("#admin-switch", Switch).value
        await pilot.press(*["shift+tab"] * (len(ROWS) + 3))
        assert screen.row_key == "email"
        await pilot.press("space", "space")
        assert values(screen) == shown and not screen.dirty
        # editing: tab goes on to edit the next field, its text not selected, so a space is added, not put in place
        await pilot.press("e", "tab")
        box = field(screen, "employee_id")
        assert screen.editing == "employee_id" and app.focused is box
        assert box.selection.is_empty and box.cursor_position == len(shown["employee_id"])
        await pilot.press("space")
        assert box.value == shown["employee_id"] + " "
        assert field(screen, "email").value == shown["email"]
    assert (await user_by_employee_id(api, "E100041")).version == before.version


async def test_e_edits_one_field_at_its_end_and_ctrl_s_saves_only_it(embedded: Embedded, api: RosterClient) -> None:
    before = await user_by_employee_id(api, "E100042")
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profile(pilot, "E100042")
        await pilot.press("j", "j", "j", "j")
        assert screen.row_key == "title" and screen.editing is None
        await pilot.press("e")
        box = field(screen, "title")
        assert screen.editing == "title" and app.focused is box
        assert box.selection.is_empty and box.cursor_position == len(before.title or "")
        await pilot.press(*" (acting)", "enter")
        assert screen.editing is None and screen.row_key == "title"
        assert box.value == f"{before.title or ''} (acting)" and screen.dirty
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved" in banner(screen), banner(screen)
        assert screen.editing is None and not screen.dirty
    after = await user_by_employee_id(api, "E100042")
    assert after.title == f"{before.title or ''} (acting)"
    same = {"title", "version", "last_modified"}
    assert {k: v for k, v in asdict(after).items() if k not in same} == {
        k: v for k, v in asdict(before).items() if k not in same}  # every other field as it was
    history = await api.user_history(before.id)
    assert set(history[0]["changes"]) == {"title"}


async def test_escape_keeps_the_pending_edit_and_leaving_asks(embedded: Embedded, api: RosterClient) -> None:
    before = await user_by_employee_id(api, "E100043")
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profile(pilot, "E100043")
        await go_to(pilot, screen, "department")
        await pilot.press("enter", *"-East", "escape")
        assert screen.editing is None and screen.row_key == "department"
        assert field(screen, "department").value == f"{before.department or ''}-East" and screen.dirty
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert field(screen, "department").value == f"{before.department or ''}-East"
        assert (await user_by_employee_id(api, "E100043")).version == before.version  # not saved by escape
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert (await user_by_employee_id(api, "E100043")).department == f"{before.department or ''}-East"


async def test_status_and_admin_switch_only_by_space_on_their_row(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_profile(pilot, "E100044")
        status = screen.query_one("#f-status", Select)
        switch = screen.query_one("#admin-switch", Switch)
        assert (status.value, switch.value) == ("active", False)
        await go_to(pilot, screen, "hire_date")
        await pilot.press("space")
        assert (status.value, switch.value) == ("active", False)
        await pilot.press("j", "space")
        assert status.value == "inactive" and "deactivating" in str(screen.query_one("#e-status").render())
        await pilot.press("space")
        assert status.value == "active" and not screen.dirty
        await pilot.press("j", "space")
        assert switch.value and not screen.query_one("#roles", SelectionList).disabled
        await pilot.press("j", "enter")  # into the roles list: its own keys choose roles
        assert screen.editing == "roles"
        await pilot.press("j", "space", "escape")
        assert screen.editing is None and screen.query_one("#roles", SelectionList).selected == ["Training Admin"]


async def test_a_new_user_opens_editing_email(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await settle(pilot)
        screen = app.screen
        assert screen.editing == "email" and app.focused is screen.query_one("#f-email", Input)
        await pilot.press(*"new@", "escape")
        assert screen.editing is None and field(screen, "email").value == "new@"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))


async def test_the_footer_shows_the_keys_that_matter_in_80_columns(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_profile(pilot, "E100045")
        line = footer(app)
        for key in ("⏎ Edit", "^s Save", "esc Back", "? Help"):
            assert key in line, line
        assert "space" not in line  # nothing to switch on a text field
        await go_to(pilot, screen, "status")
        await pilot.pause()
        assert "space Switch" in footer(app)
        await go_to(pilot, screen, "title")
        await pilot.press("e")
        await pilot.pause()
        line = footer(app)
        assert "Edit" not in line and "^s Save" in line and "esc Back" in line


async def test_history_shows_roles_as_a_list(embedded: Embedded, api: RosterClient) -> None:
    user = await user_by_employee_id(api, "E100046")
    await api.patch_user(user.id, [{"op": "replace", "path": "roles",
                                    "value": [{"value": "Account Admin"}, {"value": "Training Admin"}]}])
    app = embedded.app()
    async with app.run_test(size=(160, 60)) as pilot:
        screen = await open_profile(pilot, "E100046")
        screen.query_one("#history").scroll_visible(animate=False)
        await pilot.pause()
        text = screen_text(app)
        assert "admin roles: — → Account Admin, Training Admin" in text
        assert "|Account Admin|" not in text


def test_history_roles_read_as_a_list_whatever_their_stored_form() -> None:
    from rich.console import Console

    entries = [{"at": "2026-01-02T03:04:05Z", "token": "t", "action": "patch", "changes": {
        "roles": ["|Account Admin|", ["Account Admin", "Training Admin"]]}},
               {"at": "2026-01-01T03:04:05Z", "token": "t", "action": "patch", "changes": {
                   "roles": ["|User Admin|Training Admin|", None]}}]
    console = Console(width=200, record=True)
    console.print(history_table(entries))
    text = console.export_text()
    assert "admin roles: Account Admin → Account Admin, Training Admin" in text
    assert "admin roles: User Admin, Training Admin → —" in text
    assert "|" not in text.replace("┃", "").replace("│", "")

