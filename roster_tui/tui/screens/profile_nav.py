"""The profile's navigation mode: a row cursor over the fields, as on every other screen; a field takes keys only
once ``enter`` or ``e`` started editing it, so ``?``, ``q``, ``j``/``k`` or a space never change a value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget
from textual.widgets import Input, Select, SelectionList, Static, Switch

from roster_tui.tui.profile_form import FIELD_BY_KEY, FIELDS
from roster_tui.tui.widgets.status import Banner

if TYPE_CHECKING:
    from roster_tui.tui.screens.base import ConsoleScreen

    _Screen = ConsoleScreen[bool]
else:
    _Screen = object

#: The rows of the form, top to bottom: the text fields, then status, the admin switch and the roles list.
ROWS: tuple[str, ...] = (*(f.key for f in FIELDS), "status", "admin", "roles")
#: Rows that ``space`` (or ``enter``) switches over in navigation mode.
TOGGLES = ("status", "admin")
CURSOR_MARK = "▸"
#: The help panels ``?`` may show on the screen (Textual's, or the console's own list of keys).
HELP_PANELS = "HelpPanel, KeysHelp"


def row_of(widget: Widget | None) -> str | None:
    """The row whose editor ``widget`` is (a field's Input, the roles list), or None."""
    if widget is None:
        return None
    if isinstance(widget, Input) and (widget.id or "").startswith("f-"):
        key = (widget.id or "").removeprefix("f-")
        return key if key in FIELD_BY_KEY else None
    return "roles" if widget.id == "roles" else None


class ProfileNavigation(_Screen):
    """The navigation half of :class:`~roster_tui.tui.screens.profile.ProfileScreen` (a mixin of it, which
    declares the bindings): the row cursor, starting and ending the edit of one field, the toggles."""

    _row = 0

    @property
    def row_key(self) -> str:
        """The row under the cursor."""
        return ROWS[self._row]

    @property
    def editing(self) -> str | None:
        """The row being edited (its Input or the roles list has the focus), None in navigation mode."""
        return row_of(self.focused)

    def _editor(self, key: str) -> Widget | None:
        if key in FIELD_BY_KEY:
            return self.query_one(f"#f-{key}", Input)
        return self.query_one("#roles", SelectionList) if key == "roles" else None

    def _move_to(self, index: int) -> None:
        """Put the row cursor on row ``index`` (kept within the form) and show it."""
        self._row = max(0, min(index, len(ROWS) - 1))
        for i, key in enumerate(ROWS):
            row = self.query_one(f"#row-{key}")
            row.set_class(i == self._row, "-cursor")
            row.query_one(".row-mark", Static).update(CURSOR_MARK if i == self._row else "")
        self.query_one(f"#row-{self.row_key}").scroll_visible(animate=False)
        self.refresh_bindings()

    def _open_rows(self, *, edit_first: bool) -> None:
        """The form is up: the cursor on its first row, editing it when ``edit_first`` (a blank new user)."""
        self._move_to(0)
        if edit_first:
            self._start_editing(ROWS[0])

    def _start_editing(self, key: str) -> None:
        editor = self._editor(key)
        if editor is None or not editor.focusable:
            self.app.bell()
            if key == "roles":
                self.query_one(Banner).show("Switch admin on first: space on the Admin row.", kind="info")
            return
        self.set_focus(editor)

    def _stop_editing(self) -> None:
        """Back to navigation: what was typed stays in the field, a pending edit that ctrl+s saves."""
        self.set_focus(None)

    def _toggle(self, key: str) -> None:
        if self.query_one("#form").disabled:
            return
        if key == "status":
            status = self.query_one("#f-status", Select)
            status.value = "inactive" if status.value == "active" else "active"
        elif key == "admin":
            self.query_one("#admin-switch", Switch).toggle()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Edit and toggle exist in navigation mode only (the footer shows them there); toggle on its rows. (What
        the role cannot write is off: ``ConsoleScreen.check_action``.)"""
        if action == "edit" and self.editing is not None:
            return False
        if action == "toggle" and not (self.editing is None and self.row_key in (*TOGGLES, "roles")):
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_edit(self) -> None:
        """Edit the field under the cursor; on status and admin, switch them."""
        if self.row_key in TOGGLES:
            self._toggle(self.row_key)
        else:
            self._start_editing(self.row_key)

    def action_toggle(self) -> None:
        if self.row_key in TOGGLES:
            self._toggle(self.row_key)
        elif self.row_key == "roles":
            self._start_editing("roles")

    def action_row_down(self) -> None:
        self._step(1)

    def action_row_up(self) -> None:
        self._step(-1)

    def _step(self, by: int) -> None:
        if self.editing == "roles":  # j/k move within the list, as its arrows do
            roles = self.query_one("#roles", SelectionList)
            if by > 0:
                roles.action_cursor_down()
            else:
                roles.action_cursor_up()
            return
        if self.editing:
            self._stop_editing()
        self._move_to(self._row + by)

    def action_next_field(self) -> None:
        self._tab(1)

    def action_previous_field(self) -> None:
        self._tab(-1)

    def _tab(self, by: int) -> None:
        """Tab moves the cursor (never past the ends); from a text field being edited, on to edit the next one."""
        was = self.editing
        if was:
            self._stop_editing()
        self._move_to(self._row + by)
        if was in FIELD_BY_KEY and self.row_key in FIELD_BY_KEY and self.row_key != was:
            self._start_editing(self.row_key)

    def action_back(self) -> None:
        """One level back: the help panel, then the field being edited, then the roster."""
        if any(panel.display for panel in self.query(HELP_PANELS)):
            self.app.action_hide_help_panel()
        elif self.editing:
            self._stop_editing()
        else:
            self.action_leave()

    if TYPE_CHECKING:

        def action_leave(self) -> None:
            """The screen's: back to the roster, asking first about unsaved edits."""

    # -- events --------------------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A field took the focus (enter, e, tab, a click): the cursor goes to its row; the text cursor to its
        end, nothing selected, so what is typed is added, never put in place of the value."""
        key = row_of(event.widget)
        if key is None:
            return
        if ROWS.index(key) != self._row:
            self._move_to(ROWS.index(key))
        if isinstance(event.widget, Input):
            event.widget.cursor_position = len(event.widget.value)
        elif isinstance(event.widget, SelectionList) and event.widget.highlighted is None:
            event.widget.highlighted = 0

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.refresh_bindings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field ends its edit."""
        if row_of(event.input):
            event.stop()
            self._stop_editing()
