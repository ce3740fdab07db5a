"""The edit conflict dialog: the fields that both the admin and someone else changed, each value side by side.

Only fields changed on both sides are asked about; the other side's changes to other fields are kept, and the
admin's other edits are saved. The admin keeps "yours" or "saved meanwhile" per field.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from roster_tui.core.models import User

#: How each field of the profile is named to the admin.
FIELD_TITLES: dict[str, str] = {
    "email": "Email", "employee_id": "Employee ID", "first_name": "First name", "last_name": "Last name",
    "title": "Title", "department": "Department", "division": "Division", "location": "Location",
    "manager_id": "Manager", "hire_date": "Hire date", "active": "Status", "roles": "Admin roles",
}


def field_title(name: str) -> str:
    return FIELD_TITLES.get(name, name)


def field_text(user: User, name: str, manager: str = "") -> str:
    """A field's value as the profile shows it (``manager``: how that side's manager is shown)."""
    if name == "manager_id":
        return manager or "—"
    value = getattr(user, name)
    if name == "active":
        return "active" if value else "inactive"
    if isinstance(value, tuple):
        return ", ".join(value) or "—"
    return str(value) if value else "—"


class ConflictScreen(ModalScreen[dict[str, str] | None]):
    """Choose per conflicting field; dismisses with ``{field: "mine" | "theirs"}``, or None (keep editing)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Yours/theirs", id="conflict.toggle"),
        Binding("enter", "save", "Save", priority=True, id="conflict.save"),
        Binding("o", "all('mine')", "Keep all yours", id="conflict.all_mine"),
        Binding("r", "all('theirs')", "Keep all theirs", id="conflict.all_theirs"),
        Binding("escape", "cancel", "Keep editing", id="conflict.cancel"),
    ]

    def __init__(self, mine: User, theirs: User, conflicts: list[str], *, kept: list[str] | None = None,
                 mine_only: list[str] | None = None, managers: dict[str, str] | None = None) -> None:
        super().__init__(classes="dialog")
        self.mine, self.theirs = mine, theirs
        self.conflicts = conflicts
        self.kept, self.mine_only = kept or [], mine_only or []
        self.managers = managers or {}
        self.choice = dict.fromkeys(conflicts, "mine")

    def _row(self, name: str) -> Table:
        mine = field_text(self.mine, name, self.managers.get("mine", ""))
        theirs = field_text(self.theirs, name, self.managers.get("theirs", ""))
        keep_mine = self.choice[name] == "mine"
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=12, no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Text(field_title(name), "bold"),
                     Text(("● " if keep_mine else "○ ") + mine, "bold" if keep_mine else "dim"),
                     Text(("○ " if keep_mine else "● ") + theirs, "dim" if keep_mine else "bold"))
        return grid

    def compose(self) -> ComposeResult:
        who = self.theirs.display_name or self.theirs.email
        lines = [f"{who} was changed by someone else since you opened the profile. "
                 f"You both changed {len(self.conflicts)} field{'s' if len(self.conflicts) != 1 else ''}: "
                 "choose which value to keep (space), then enter saves."]
        if self.kept:
            lines.append(f"Kept as saved meanwhile: {', '.join(map(field_title, self.kept))}.")
        if self.mine_only:
            lines.append(f"Your other edits are saved too: {', '.join(map(field_title, self.mine_only))}.")
        header = Table.grid(padding=(0, 1), expand=True)
        header.add_column(width=12)
        header.add_column(ratio=1)
        header.add_column(ratio=1)
        header.add_row(Text("Field", "bold"), Text("Yours", "bold"), Text("Saved meanwhile", "bold"))
        with Vertical(id="conflict-box"):
            yield Label(Text("\n".join(lines)), classes="dialog-text", markup=False)
            yield Label(header, id="conflict-header", markup=False)
            yield OptionList(*(Option(self._row(n), id=n) for n in self.conflicts), id="conflict-table",
                             markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (enter)", id="save", variant="warning")
                yield Button("Keep editing (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_toggle(self) -> None:
        rows = self.query_one(OptionList)
        if rows.highlighted is None:
            return
        name = self.conflicts[rows.highlighted]
        self.choice[name] = "theirs" if self.choice[name] == "mine" else "mine"
        rows.replace_option_prompt_at_index(rows.highlighted, self._row(name))

    def action_all(self, side: str) -> None:
        self.choice = dict.fromkeys(self.conflicts, side)
        self.dismiss(dict(self.choice))

    def action_save(self) -> None:
        self.dismiss(dict(self.choice))

    def action_cancel(self) -> None:
        self.dismiss(None)
