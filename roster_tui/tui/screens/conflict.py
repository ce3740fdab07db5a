"""The edit conflict dialog: the admin's version and the one saved meanwhile, field by field."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from roster_tui.core.models import User

#: (label, how to show it) for every field the profile edits.
COMPARED: tuple[tuple[str, str], ...] = (
    ("Email", "email"),
    ("Employee ID", "employee_id"),
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("Title", "title"),
    ("Department", "department"),
    ("Division", "division"),
    ("Location", "location"),
    ("Manager", "manager_id"),
    ("Hire date", "hire_date"),
    ("Status", "status"),
    ("Admin roles", "roles"),
)


def field_text(user: User, attr: str) -> str:
    value = getattr(user, attr)
    if isinstance(value, tuple):
        return ", ".join(value) or "—"
    return str(value) if value else "—"


def differences(mine: User, theirs: User) -> list[str]:
    """Labels of the fields where the two versions differ."""
    return [label for label, attr in COMPARED if field_text(mine, attr) != field_text(theirs, attr)]


class ConflictScreen(ModalScreen[str | None]):
    """Both versions side by side; dismisses with ``"reload"``, ``"overwrite"`` or None (keep editing)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('reload')", "Reload theirs"),
        Binding("o", "choose('overwrite')", "Overwrite with mine"),
        Binding("escape", "choose(None)", "Keep editing"),
    ]

    def __init__(self, mine: User, theirs: User) -> None:
        super().__init__(classes="dialog")
        self.mine = mine
        self.theirs = theirs

    def compose(self) -> ComposeResult:
        changed = differences(self.mine, self.theirs)
        table = Table(expand=True, show_edge=False, pad_edge=False)
        table.add_column("", width=2)
        table.add_column("Field", no_wrap=True)
        table.add_column("Your version")
        table.add_column("Saved meanwhile")
        for label, attr in COMPARED:
            differs = label in changed
            mark = Text("≠", style="bold") if differs else Text("")
            style = "bold" if differs else "dim"
            table.add_row(mark, label, Text(field_text(self.mine, attr), style=style),
                          Text(field_text(self.theirs, attr), style=style))
        who = self.theirs.display_name or self.theirs.email
        with Vertical(id="conflict-box"):
            yield Label(f"{who} was changed by someone else since you opened the profile. "
                        f"{len(changed)} field(s) differ (≠).", classes="dialog-text")
            with VerticalScroll(id="conflict-table"):
                yield Static(table)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload theirs (r)", id="reload")
                yield Button("Overwrite with mine (o)", id="overwrite", variant="warning")
                yield Button("Keep editing (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reload", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
