"""A plan row in the console: its changes in one line (the preview's lists, a group's users) and every field of
its user before -> after (:class:`DiffScreen`, ``enter`` on a row)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from roster_tui.core.mapping import FIELD_LABELS
from roster_tui.core.plan import PlanRow
from roster_tui.core.roster import display_manager
from roster_tui.core.wording import one_line
from roster_tui.tui.styles import WIZARD_CSS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.wizard_state import WizardState

FIELDS = ("email", "employee_id", "first_name", "last_name", "title", "department", "division", "location",
          "manager", "hire_date", "status")


def show(value: Any) -> str:
    return "(blank)" if value in (None, "") else one_line(str(value))


def row_summary(row: PlanRow, kind: str) -> str:
    """One line about a plan row for the list of ``kind``."""
    if kind == "error":
        return one_line("; ".join(row.errors))
    if kind == "warning":
        return one_line("; ".join(row.warnings))
    if row.action == "create":
        v = {k: a for k, (_b, a) in row.changes.items()}
        name = f"{v.get('first_name', '')} {v.get('last_name', '')}".strip()
        extra = ", ".join(str(v[k]) for k in ("title", "department") if v.get(k))
        return one_line(f"{name}{'  · ' + extra if extra else ''}")
    text = "; ".join(f"{k}: {show(b)} → {show(a)}" for k, (b, a) in row.changes.items()) or "no change"
    return f"{text} · {row.training}" if row.training else text


def current_values(state: WizardState, row: PlanRow) -> dict[str, Any]:
    """What the roster holds now for the row's user (as the plan saw it)."""
    index = state.index
    entry = index.by_id.get(row.user_id) if index is not None and row.user_id else None
    if entry is None:
        return {}
    values = {name: getattr(entry, name, None) for name in FIELDS if name not in ("manager", "status")}
    values["manager"] = display_manager(index, entry.manager_id) if index is not None else None
    values["status"] = "active" if entry.active else "inactive"
    return values


class DiffScreen(ModalScreen[None]):
    """Every field of one user: before -> after (changed, coloured) or as it stays."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close", id="diff.close")]
    CSS_PATH = WIZARD_CSS  # loaded when a wizard screen is first shown (roster_tui.tui.styles)

    def __init__(self, state: WizardState, row: PlanRow) -> None:
        super().__init__(classes="dialog")
        self.state, self.row = state, row

    def compose(self) -> ComposeResult:
        row = self.row
        where = f"line {row.line}" if row.line is not None else "not in the file"
        with Vertical(classes="dialog-box diff-box"):
            yield Static(f"{row.action.capitalize()}: {row.key} ({where})", classes="dialog-text",
                         markup=False)
            yield LinesView(header=f"{'Field':<14}{'Before':<28}After", id="diff")
        yield KeyFooter()

    def on_mount(self) -> None:
        row, view = self.row, self.query_one(LinesView)
        before = current_values(self.state, row)
        lines: list[Text] = []
        for name in FIELDS:
            label = f"{FIELD_LABELS[name]:<14}"
            if name in row.changes:
                old, new = row.changes[name]
                text = Text(label)
                text.append(f"{show(old)[:26]:<28}", view.style_for("deactivate" if old else "dim"))
                text.append(show(new), view.style_for("create"))
            else:
                text = Text(label + f"{show(before.get(name))[:26]:<28}", view.style_for("dim"))
                text.append("unchanged", view.style_for("dim"))
            lines.append(text)
        if row.training:
            lines.append(Text(f"{'Training':<14}{row.training}", view.style_for("warning")))
        for message in row.errors:
            lines.append(Text(f"error: {message}", view.style_for("error")))
        for message in row.warnings:
            lines.append(Text(f"warning: {message}", view.style_for("warning")))
        view.set_rows(len(lines), lines.__getitem__)
        view.focus()

    def action_close(self) -> None:
        self.dismiss(None)
