"""Small modal dialogs: confirm (yes/no), a one-line prompt, a typed count, and a pick from a list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from roster_tui.core.guards import Guard


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with the text (enter) or None (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-text", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt")
            yield Label("enter: apply · escape: cancel", classes="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TypeCountScreen(ModalScreen[bool]):
    """A large change: the admin types the number of users it touches to go ahead (``verb``: what it does)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="type_count.cancel")]

    def __init__(self, question: str, count: int, *, verb: str = "remove") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.count = count
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-text", markup=False)
            yield Label(f"Type {self.count} to confirm:", classes="dialog-text", markup=False)
            yield Input(placeholder=str(self.count), id="typed-count", type="integer")
            yield Label(f"enter: {self.verb} · escape: cancel", id="typed-hint", classes="dialog-hint",
                        markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == str(self.count):
            self.dismiss(True)
        else:
            self.query_one("#typed-hint", Label).update(
                f"That is not {self.count}: type the number of users to {self.verb}, or escape to cancel.")
            event.input.value = ""

    def action_cancel(self) -> None:
        self.dismiss(False)


def pass_guards(held: Sequence[Guard], question: str) -> TypeCountScreen:
    """The dialog that passes the guards holding a plan (``held``): the admin types the first one's count."""
    said = "\n".join(f"!! {g.message}." for g in held)
    return TypeCountScreen(f"{said}\n{question}", held[0].count, verb=held[0].verb)


class PickScreen(ModalScreen[str | None]):
    """Choose one of a list of values (enter), or cancel (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, question: str, options: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog")
        self.question, self.options = question, options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.question, classes="dialog-text", markup=False)
            yield OptionList(*(Option(label, id=value) for value, label in self.options), id="pick", markup=False)
        yield Footer()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
