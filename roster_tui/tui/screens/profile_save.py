"""The profile's save: only the fields the admin edited, with the ETag it loaded; when someone saved meanwhile,
their changes to other fields are kept and only fields both changed are asked about."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.widgets import Input, Select, Static, Switch

from roster_tui.core.models import User
from roster_tui.core.scim import user_from_scim, user_to_scim
from roster_tui.core.user_changes import EDITABLE, changed_fields, merge, not_kept, user_operations
from roster_tui.core.wording import plural
from roster_tui.scim.errors import PreconditionFailed, RosterApiError
from roster_tui.sync.people import user_named
from roster_tui.sync.writes import write_user
from roster_tui.tui.profile_form import FIELDS, UNIQUE, validate, with_values
from roster_tui.tui.screens.conflict import ConflictScreen, field_title
from roster_tui.tui.widgets.status import Banner, Busy, is_transient

if TYPE_CHECKING:
    from roster_tui.tui.screens.base import ConsoleScreen

    _Screen = ConsoleScreen[bool]
else:
    _Screen = object


class ProfileSaving(_Screen):
    """The save half of :class:`~roster_tui.tui.screens.profile.ProfileScreen` (a mixin of it, which holds
    the form and what was loaded: ``user``, ``resource``, ``_fill``, ``_keeps``...)."""

    # -- saving --------------------------------------------------------------------------------

    def action_save(self) -> None:
        self.run_task(self._save(), group="profile-save", exclusive=True)

    def _collect(self) -> tuple[User | None, dict[str, str]]:
        values = self._values()
        errors = validate(values)
        errors.update(self._duplicates)
        if self.query_one("#admin-switch", Switch).value and not self._roles():
            errors["roles"] = "choose at least one role, or switch admin off"
        for key in [f.key for f in FIELDS] + ["roles"]:
            if key in errors:
                label = self.query_one(f"#e-{key}", Static)
                label.set_classes("field-error")
                label.update(errors[key])
        if errors:
            return None, errors
        user = with_values(self.user, values, active=self.query_one("#f-status", Select).value == "active",
                           roles=self._roles(), manager_id=self.user.manager_id)
        return user, errors

    async def _resolve_manager(self, user: User) -> User | None:
        text = self.query_one("#f-manager", Input).value.strip()
        if text == self._manager_shown.strip():
            return user
        if not text:
            return replace(user, manager_id=None)
        manager_id = await user_named(self.console.client, text)
        if manager_id is None:
            self.query_one("#e-manager", Static).update("no user has this email or employee ID")
            return None
        return replace(user, manager_id=manager_id)

    async def _save(self) -> None:
        focused = self.focused
        if focused is not None and focused.is_running:
            # keys typed just before ctrl+s may still wait in the field's own queue: let it take them first
            await focused.wait_for_refresh()
        user, errors = self._collect()
        if user is None:
            self.query_one(Banner).show(f"Fix {plural(len(errors), 'field')} before saving.", kind="warning")
            return
        busy = self.query_one(Busy)
        busy.start()
        client = self.console.client
        try:
            for key in UNIQUE:
                value = self._values()[key].strip()
                if value and await self._check_unique(key, value):
                    self.query_one(Banner).show("Fix the duplicate before saving.", kind="warning")
                    return
            mine = await self._resolve_manager(user)
            if mine is None:
                return
            if self.user.id is None:
                sent = [f for f in EDITABLE if getattr(mine, f) and self._keeps(f)]
                saved = await client.create_user(user_to_scim(mine, self._keeps))
            else:
                fields = [f for f in changed_fields(self.user, mine) if self._keeps(f)]
                sent = fields
                if not fields:
                    self.query_one(Banner).show("Nothing to save: no field was changed.", kind="info")
                    return
                saved = await self._write(self.resource, self.user, mine, fields)
        except PreconditionFailed:
            await self._conflict(mine)  # type: ignore[arg-type]
            return
        except RosterApiError as exc:
            self._show_error(exc, "Not saved")
            return
        finally:
            busy.stop()
        await self._saved(saved, sent=mine, fields=sent)

    async def _write(self, resource: dict[str, Any], base: User, mine: User, fields: list[str]) -> dict[str, Any]:
        """PATCH exactly ``fields`` of ``mine`` onto the user read as ``resource`` (``base``), with its ETag."""
        assert base.id is not None
        client = self.console.client
        ops = user_operations(resource, base, mine, fields, catalog=self._catalog)
        saved = await write_user(client, base.id, ops, etag=base.version, resource=resource)
        return saved if saved is not None else (await client.get_user(base.id) or {})

    async def _saved(self, saved: dict[str, Any], note: str = "", *, sent: User | None = None,
                     fields: list[str] | tuple[str, ...] = ()) -> None:
        """Show what was saved; fields written (``fields`` of ``sent``) that the server did not keep are said."""
        self.saved_something = True
        self.set_focus(None)  # saved: back to navigation mode (esc now goes back to the roster)
        saved_user = user_from_scim(saved)
        self._fill(saved_user, await self._manager_label(saved_user.manager_id), resource=saved)
        self.run_task(self._load_history(), group="profile-history", exclusive=True)
        lost = not_kept(fields, sent, saved_user) if sent is not None else []
        if lost:
            self.query_one(Banner).show(f"Saved {saved_user.display_name}, but the server did not keep: "
                                        f"{', '.join(map(field_title, lost))}.{note}", kind="warning")
        else:
            self.query_one(Banner).show(f"Saved {saved_user.display_name}.{note}", kind="info")
        self.notify(f"Saved {saved_user.display_name}", timeout=2)

    async def _conflict(self, mine: User) -> None:
        """Someone saved the user since it was loaded: keep their changes, ask only about fields both changed."""
        assert self.user.id is not None
        client = self.console.client
        try:
            resource = await client.get_user(self.user.id) or {}
        except RosterApiError as exc:
            self._show_error(exc, "Not saved")
            return
        theirs = user_from_scim(resource)
        base = self.user
        mine_only, conflicts = merge(base, mine, theirs)
        kept = [f for f in changed_fields(base, theirs) if f not in conflicts]
        if not conflicts:
            await self._merge_and_save(resource, theirs, mine, mine_only, kept)
            return
        managers = {"mine": self.query_one("#f-manager", Input).value.strip(),
                    "theirs": await self._manager_label(theirs.manager_id)}

        async def chosen(choice: dict[str, str] | None) -> None:
            if choice is None:
                self.query_one(Banner).show("Not saved: the user changed meanwhile. Your edits are kept; "
                                            "ctrl+s tries again.", kind="warning")
                return
            keep_mine = [f for f in conflicts if choice.get(f) == "mine"]
            await self._merge_and_save(resource, theirs, mine, mine_only + keep_mine,
                                       kept + [f for f in conflicts if f not in keep_mine])

        await self.app.push_screen(ConflictScreen(mine, theirs, conflicts, kept=kept, mine_only=mine_only,
                                                  managers=managers), chosen)

    async def _merge_and_save(self, resource: dict[str, Any], theirs: User, mine: User, fields: list[str],
                              kept: list[str]) -> None:
        """Write ``fields`` of ``mine`` on top of the version saved meanwhile (``theirs``), then show the result."""
        note = f" Kept the changes saved meanwhile to {', '.join(field_title(f) for f in kept)}." if kept else ""
        if not fields:
            self._fill(theirs, await self._manager_label(theirs.manager_id), resource=resource)
            self.query_one(Banner).show(f"Showing the version saved meanwhile.{note}", kind="info")
            return
        busy = self.query_one(Busy)
        busy.start()
        try:
            fields = [f for f in fields if self._keeps(f)]
            saved = await self._write(resource, theirs, mine, fields)
        except PreconditionFailed:
            await self._conflict(mine)
            return
        except RosterApiError as exc:
            self._show_error(exc, "Not saved")
            return
        finally:
            busy.stop()
        await self._saved(saved, note, sent=mine, fields=fields)

    def _show_error(self, error: RosterApiError, what: str) -> None:
        if is_transient(error):
            self.query_one(Banner).show(f"Connection lost: {error.detail} Your edits are kept; "
                                        "press ctrl+s to try again.")
        else:
            self.query_one(Banner).show(f"{what}: {error.detail}")

