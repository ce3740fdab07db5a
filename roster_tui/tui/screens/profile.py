"""The profile screen: every field of a user, validated as typed, admin roles, training, and a safe save.

It opens in navigation mode (``profile_nav``): keys edit a field only after ``enter`` or ``e``."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, SelectionList, Static, Switch

from roster_tui.core.models import User
from roster_tui.core.removal import cancels_phrase, restored_counts, restores_phrase
from roster_tui.core.removal_plan import RemovalKey
from roster_tui.core.scim import user_from_scim
from roster_tui.scim.discovery import Features
from roster_tui.scim.errors import NotFound, RosterApiError
from roster_tui.sync.people import holder_of
from roster_tui.sync.roster_index import emails_by_id
from roster_tui.tui.profile_form import FIELD_BY_KEY, FIELDS, UNIQUE, sync_key_field, text_values
from roster_tui.tui.profile_tables import history_table, people_in, training_table
from roster_tui.tui.screens.base import ConsoleScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen
from roster_tui.tui.screens.profile_nav import ProfileNavigation
from roster_tui.tui.screens.profile_save import ProfileSaving
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.status import Banner, Busy

STATUS_OPTIONS = [("active", "active"), ("inactive", "inactive")]


def status_note(user: User, active: bool) -> str:
    """What saving ``user`` with this status does to their training (empty when the status stays)."""
    if user.id is None or user.active == active:
        return ""
    if active:
        return f"reactivating {restores_phrase(restored_counts(user.assignments))}"
    return f"deactivating {cancels_phrase(a.status.value for a in user.assignments)} (reactivating restores them)"


class ProfileScreen(ProfileNavigation, ProfileSaving, ConsoleScreen[bool]):
    """Edit one user (``user_id``) or add one (``None``); dismisses with True when something was saved."""

    AUTO_FOCUS = ""  # navigation mode: no field has the focus until the admin edits one
    WRITE_ACTIONS = frozenset({"edit", "toggle", "save", "remove_user"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,e", "edit", "Edit", id="profile.edit"),
        Binding("space", "toggle", "Switch", id="profile.toggle"),
        Binding("ctrl+s", "save", "Save", id="profile.save"),
        Binding("escape,q", "back", "Back", id="profile.back"),
        Binding("ctrl+r", "reload", "Reload", id="profile.reload"),
        Binding("down,j", "row_down", "Next row", show=False, id="profile.down"),
        Binding("up,k", "row_up", "Previous row", show=False, id="profile.up"),
        Binding("tab", "next_field", "Next field", show=False, id="profile.next_field"),
        Binding("shift+tab", "previous_field", "Previous field", show=False, id="profile.previous_field"),
        Binding("ctrl+d", "remove_user", "Remove user", priority=True, show=False, id="profile.remove"),
        Binding("H", "history", "History", key_display="H", show=False, tooltip="Changes of this user",
                id="profile.history"),
    ]

    def __init__(self, user_id: str | None) -> None:
        super().__init__(id="profile")
        self.user_id = user_id
        self.user = User()
        self.resource: dict[str, Any] = {}  # the user as the service sent it: what a save must keep
        self._features: Features | None = None
        self._catalog: list[str] = []
        self.saved_something = False
        self._original: tuple[object, ...] = ()
        self._manager_shown = ""
        self._manager_note = ""
        self._duplicates: dict[str, str] = {}
        self._opening = True

    @property
    def holds_keys(self) -> bool:
        """Keys typed while the profile first loads are for its form: the app keeps them until the form opens."""
        return self._opening

    def compose(self) -> ComposeResult:
        with Horizontal(id="roster-header"):
            yield Static("New user" if self.user_id is None else "Profile", id="profile-title", markup=False)
            yield Busy(id="busy")
        yield Banner(id="banner")
        with VerticalScroll(id="form", can_focus=False):
            for f in FIELDS:
                with Horizontal(classes="field", id=f"row-{f.key}"):
                    yield Static("", classes="row-mark", markup=False)
                    yield Label(f.label, classes="field-label", markup=False)
                    yield Input(placeholder=f.placeholder, id=f"f-{f.key}", compact=True, select_on_focus=False)
                    yield Static("", id=f"e-{f.key}", classes="field-error", markup=False)
            with Horizontal(classes="field", id="row-status"):
                yield Static("", classes="row-mark", markup=False)
                yield Label("Status", classes="field-label", markup=False)
                yield Select(STATUS_OPTIONS, value="active", allow_blank=False, id="f-status", compact=True)
                yield Static("", id="e-status", classes="field-warning", markup=False)
            yield Label("Admin access", classes="section-title", markup=False)
            with Horizontal(id="row-admin", classes="field"):
                yield Static("", classes="row-mark", markup=False)
                yield Label("Admin", classes="field-label", markup=False)
                yield Switch(False, id="admin-switch")
                yield Static("off", id="admin-state", markup=False)
                yield Static("", id="e-roles", classes="field-error", markup=False)
            with Horizontal(id="row-roles", classes="field"):
                yield Static("", classes="row-mark", markup=False)
                yield SelectionList[str](id="roles")
            yield Label("Training assignments (read-only)", classes="section-title", markup=False)
            yield Static("", id="training", markup=False)
            yield Label("Groups (read-only: set on the groups)", classes="section-title", markup=False)
            yield Static("", id="groups", markup=False)
            yield Label("History", classes="section-title", markup=False)
            yield Static("", id="history", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#form").disabled = True
        for toggle in (self.query_one("#f-status", Select), self.query_one("#admin-switch", Switch)):
            toggle.can_focus = False  # switched by space on their row, never by a key meant for another field
        for field in self.query(Input):  # no blinking when animations are off (snapshots stay stable too)
            field.cursor_blink = self.app.animation_level != "none"
        self.run_task(self._load(), group="profile-load", exclusive=True)

    # -- loading -------------------------------------------------------------------------------

    async def _load(self) -> None:
        busy = self.query_one(Busy)
        busy.start()
        try:
            catalog = self._catalog = await self.console.role_catalog()
            self._features = await self.console.client.features()
            user, manager, history, resource, people = User(), "", [], {}, {}
            if self.user_id is not None:
                resource = await self.console.client.get_user(self.user_id) or {}
                user = user_from_scim(resource)
                manager = await self._manager_label(user.manager_id)
                history = await self.console.client.user_history(self.user_id)
                people = await self._people(history)
        except RosterApiError as exc:
            self._show_error(exc, "Could not load the profile")
            return
        finally:
            busy.stop()
            self._opening = False  # keys go to the form now, or (the load failed) to the screen: escape leaves
        self._fill(user, manager, catalog, resource=resource)
        self._mark_unavailable()
        self.query_one("#history", Static).update(history_table(history, people=people) if self.user_id else "")

    def _keeps(self, field: str) -> bool:
        """Whether the server keeps the field (its discovery says; a server that did not say keeps all)."""
        return self._features is None or self._features.has_field(field)

    def _mark_unavailable(self) -> None:
        """Fields the server does not keep are shown as such and cannot be edited (the rest works as usual)."""
        for f in FIELDS:
            if not self._keeps(f.key):
                box = self.query_one(f"#f-{f.key}", Input)
                box.disabled, box.placeholder = True, "not kept by this server"

    async def _load_history(self) -> None:
        if self.user.id:
            try:
                history = await self.console.client.user_history(self.user.id)
                people = await self._people(history)
            except RosterApiError:
                return
            self.query_one("#history", Static).update(history_table(history, people=people))

    async def _people(self, history: list[dict[str, Any]]) -> dict[str, str]:
        """Emails of the users the history names (managers), so it never shows a raw id."""
        ids = people_in(history)
        return await emails_by_id(self.console.client, ids) if ids else {}

    async def _manager_label(self, manager_id: str | None) -> str:
        """How the manager is shown: their email (never a raw id; ``_manager_note`` says why one is missing)."""
        self._manager_note = ""
        if not manager_id:
            return ""
        try:
            manager = user_from_scim(await self.console.client.get_user(manager_id) or {})
        except NotFound:
            self._manager_note = "the manager set on this user is no longer in the roster"
            return ""
        except RosterApiError:
            self._manager_note = "the manager could not be looked up"
            return ""
        return manager.email or manager.employee_id or manager.display_name

    def _fill(self, user: User, manager: str, catalog: list[str] | None = None, *,
              resource: dict[str, Any] | None = None) -> None:
        """Show ``user`` in the form; what is shown becomes the unchanged state."""
        self.user = user
        if resource is not None:
            self.resource = resource
        self._manager_shown = manager
        self._duplicates.clear()
        if user.id:
            self.query_one("#profile-title", Static).update(f"Profile: {user.display_name} <{user.email}>")
        for key, value in text_values(user, manager).items():
            self.query_one(f"#f-{key}", Input).value = value
            self.query_one(f"#e-{key}", Static).update("")
        if self._manager_note:
            note = self.query_one("#e-manager", Static)
            note.set_classes("field-warning")
            note.update(self._manager_note)
        self.query_one("#f-status", Select).value = user.status
        self.query_one("#e-status", Static).update("")
        roles = self.query_one("#roles", SelectionList)
        if catalog is not None:
            roles.clear_options()
            roles.add_options([(Text(r), r) for r in catalog])
        roles.deselect_all()
        for r in user.roles:
            roles.select(r)
        roles.disabled = not user.roles
        self.query_one("#admin-switch", Switch).value = bool(user.roles)
        self._show_admin_state()
        self.query_one("#e-roles", Static).update("")
        self.query_one("#training", Static).update(training_table(user))
        self.query_one("#groups", Static).update(", ".join(user.groups) if user.groups else "In no group.")
        self._original = self._state()
        form = self.query_one("#form")
        if form.disabled:  # first load: the form opens, in navigation mode (a blank new user: editing Email)
            form.disabled = False
            self._open_rows(edit_first=user.id is None)

    # -- form state ----------------------------------------------------------------------------

    def _values(self) -> dict[str, str]:
        return {f.key: self.query_one(f"#f-{f.key}", Input).value for f in FIELDS}

    def _roles(self) -> tuple[str, ...]:
        if not self.query_one("#admin-switch", Switch).value:
            return ()
        return tuple(self.query_one("#roles", SelectionList).selected)

    def _state(self) -> tuple[object, ...]:
        return (tuple(sorted(self._values().items())), self.query_one("#f-status", Select).value,
                tuple(sorted(self._roles())))

    @property
    def dirty(self) -> bool:
        return bool(self._original) and self._state() != self._original

    def _field_message(self, key: str) -> None:
        """Show the field's error, its duplicate, or the sync-field warning beside it."""
        value = self.query_one(f"#f-{key}", Input).value
        original = dict(self._original[0]).get(key, "") if self._original else ""
        error = self._duplicates.get(key) or (FIELD_BY_KEY[key].check(value) if value != original else None)
        label = self.query_one(f"#e-{key}", Static)
        sync = sync_key_field(self.console.sync_field)
        if error:
            label.set_classes("field-error")
            label.update(error)
        elif key == sync and self.user.id and value.strip() != original.strip():
            label.set_classes("field-warning")
            label.update("⚠ sync field: future import files must carry the new value")
        else:
            label.update("")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("f-")
        if key in UNIQUE:
            self._duplicates.pop(key, None)
        if event.input.id and event.input.id.startswith("f-"):
            self._field_message(key)

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        key = (event.input.id or "").removeprefix("f-")
        if key in UNIQUE and event.value.strip():
            self.run_task(self._check_unique(key, event.value.strip()), group=f"unique-{key}", exclusive=True)

    async def _check_unique(self, key: str, value: str) -> str | None:
        """Look up who else has ``value`` in the unique field ``key``; show it beside the field."""
        try:
            holder = await holder_of(self.console.client, key, value, besides=self.user.id)
        except RosterApiError:
            return None  # the save will tell
        if holder and self.query_one(f"#f-{key}", Input).value.strip() == value:
            self._duplicates[key] = f"already used by {holder}"
        else:
            self._duplicates.pop(key, None)
        self._field_message(key)
        return self._duplicates.get(key)

    @on(Switch.Changed, "#admin-switch")
    def _admin_switched(self, event: Switch.Changed) -> None:
        roles = self.query_one("#roles", SelectionList)
        roles.disabled = not event.value
        if not event.value:
            roles.deselect_all()
        self.query_one("#e-roles", Static).update("")
        self._show_admin_state()

    @on(Select.Changed, "#f-status")
    def _status_changed(self, event: Select.Changed) -> None:
        """Say what a change of status does to the user's training, as the import and removal previews do."""
        self.query_one("#e-status", Static).update(status_note(self.user, event.value == "active"))

    @on(SelectionList.SelectedChanged, "#roles")
    def _roles_changed(self) -> None:
        self._show_admin_state()

    def _show_admin_state(self) -> None:
        """Say in words whether the user is an admin and with which roles (the switch is colour only)."""
        roles = self._roles()
        if not self.query_one("#admin-switch", Switch).value:
            text = "off: not an admin"
        else:
            text = "on: " + (", ".join(roles) if roles else "choose roles below (space)")
        self.query_one("#admin-state", Static).update(text)

    # -- leaving -------------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Load the user again; edits not saved yet are thrown away only when the admin says so."""
        if self.user_id is None and self.user.id is None:
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._reload()

        if self.dirty:
            self.app.push_screen(ConfirmScreen("Reload the saved version? Your unsaved edits will be lost.",
                                               yes="Reload", no="Stay"), answered)
        else:
            self._reload()

    def _reload(self) -> None:
        self.user_id = self.user.id or self.user_id
        self.set_focus(None)  # the saved version is shown in navigation mode
        self.query_one(Banner).clear()
        self.run_task(self._load(), group="profile-load", exclusive=True)

    def action_remove_user(self) -> None:
        """Preview removing this user (deactivate, or delete when there is nothing to keep)."""
        if self.user.id is None:
            self.query_one(Banner).show("Nothing to remove: this user is not saved yet.", kind="warning")
            return
        if self.dirty:
            self.query_one(Banner).show("Save or reload your edits before removing this user.", kind="warning")
            return

        def removed(result: object) -> None:
            done = [o for o in getattr(result, "outcomes", []) if o.status == "ok"]
            if not done:
                return
            self.saved_something = True
            if done[0].row.action == "delete":
                self.dismiss(True)
            else:
                self._reload()

        self.app.push_screen(RemovalScreen([RemovalKey(self.user.email)], "this profile"), removed)

    def action_history(self) -> None:
        """The history of the changes that wrote this user (where the service keeps a change journal)."""
        if self.user.id is None or self.editing:
            return
        if self._features is not None and not self._features.changes:
            self.query_one(Banner).show("This server keeps no change journal: there is no history to show.",
                                        kind="warning")
            return
        from roster_tui.tui.screens.history import HistoryScreen  # loaded when first opened: not at the start

        self.app.push_screen(HistoryScreen(self.user.id, self.user.email),
                             lambda wrote: self.action_reload() if wrote else None)

    def action_leave(self) -> None:
        """Back to the roster; unsaved edits are thrown away only when the admin says so."""
        if not self.dirty:
            self.dismiss(self.saved_something)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved_something)

        self.app.push_screen(ConfirmScreen("Leave without saving? Your changes will be lost.",
                                           yes="Discard", no="Stay"), answered)
