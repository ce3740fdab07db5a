"""The import preview's shape: the plan's anomalies and its changes grouped by field and value (``v`` on the
preview), and the users of one group or anomaly (``enter`` there, or ``1``-``3`` on the preview). Every value is
drawn as text, never as markup."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from roster_tui.core.anomalies import Anomaly
from roster_tui.core.plan import PlanRow
from roster_tui.core.plan_shape import Group, field_counts
from roster_tui.core.wording import one_line, plural
from roster_tui.tui.screens.plan_diff import DiffScreen, row_summary
from roster_tui.tui.screens.wizard_base import WizardStep
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.wizard_state import WizardState

#: Anomalies named on the preview's first lines, each opened by its digit (the grouped view lists them all).
SHOWN_ANOMALIES = 3
MARK = "!"


def anomalies_text(anomalies: list[Anomaly]) -> str:
    """The preview's anomaly lines: ``! 1 department: 912 of 950 changes (96%) write one value, 'Sales'``."""
    lines = [f"{MARK} {n} {one_line(a.message)}" for n, a in enumerate(anomalies[:SHOWN_ANOMALIES], 1)]
    if len(anomalies) > SHOWN_ANOMALIES:
        lines.append(f"{MARK} and {len(anomalies) - SHOWN_ANOMALIES} more: v lists them with the groups")
    return "\n".join(lines)


def rows_cells(rows: list[PlanRow]) -> list[list[str]]:
    """Rows as cells: line, user, action, the fields before → after (the list's and the export's)."""
    return [[str(r.line) if r.line is not None else "", r.key, str(r.action), row_summary(r, str(r.action))]
            for r in rows]


class UsersScreen(WizardStep):
    """The users of one group of changes or one anomaly: a line each; ``enter`` shows every field."""

    STEP = 4
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "details", "Fields", id="wizard.group_users.details")]

    def __init__(self, state: WizardState, title: str, rows: list[PlanRow]) -> None:
        super().__init__(state)
        self.title_text, self.rows = title, rows

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        yield Static(f"{one_line(self.title_text)}\n{plural(len(self.rows), 'user')}  ·  enter shows every field  "
                     "·  esc back", id="group-title", markup=False)
        yield LinesView(header=f"{'Line':>6}  {'User':<32}What", id="group-users")
        yield KeyFooter()

    def on_mount(self) -> None:
        view, rows = self.query_one(LinesView), self.rows

        def render(n: int) -> Text:
            row = rows[n]
            line, key, action, what = rows_cells([row])[0]
            text = Text(f"{line or '-':>6}  ")
            text.append(f"{one_line(key)[:31]:<32}", view.style_for(action))
            text.append(what)
            return text

        view.empty = "No users: this concerns the file as a whole."
        view.set_rows(len(rows), render)
        view.focus()

    def action_details(self) -> None:
        view = self.query_one(LinesView)
        if view.cursor < len(self.rows):
            self.app.push_screen(DiffScreen(self.state, self.rows[view.cursor]))

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The users shown, for ``ctrl+e``: line, user, action, the changes."""
        return ["line", "user", "action", "changes"], rows_cells(self.rows)


class GroupsScreen(WizardStep):
    """The plan's anomalies, then its changes grouped by field and value, largest first; ``enter`` opens the
    users of the line under the cursor, ``v`` (or ``esc``) goes back to the list per user."""

    STEP = 4
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "per_user", "Per user", id="wizard.groups.per_user"),
        Binding("enter", "open", "Users", id="wizard.groups.open"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        plan = state.plan
        self.anomalies: list[Anomaly] = list(plan.anomalies) if plan is not None else []
        self.groups: list[Group] = list(plan.groups) if plan is not None else []

    def compose(self) -> ComposeResult:
        fields = " · ".join(f"{name} {count:,}" for name, count in field_counts(self.groups).items())
        yield from self.step_title()
        yield Static(f"Changes grouped: {plural(len(self.groups), 'group')}"
                     f"{'  ·  ' + fields if fields else ''}\nenter opens a line's users  ·  v per user",
                     id="groups-head", markup=False)
        yield LinesView(header=f"{'Users':>7}  Change", id="groups")
        yield KeyFooter()

    def on_mount(self) -> None:
        view, anomalies, groups = self.query_one(LinesView), self.anomalies, self.groups

        def render(n: int) -> Text:
            if n < len(anomalies):
                anomaly = anomalies[n]
                count = f"{len(anomaly.rows):,}" if anomaly.rows else ""
                return Text(f"{count:>7}  {MARK} {one_line(anomaly.message)}", view.style_for("warning"))
            group = groups[n - len(anomalies)]
            text = Text(f"{group.count:>7,}  ")
            text.append(f"{group.field}: ", view.style_for("update"))
            text.append(one_line(group.change))
            return text

        view.empty = "Nothing changes: every row is unchanged or has errors."
        view.set_rows(len(anomalies) + len(groups), render)
        view.focus()

    def action_per_user(self) -> None:
        self.app.pop_screen()

    def title_rows(self, n: int) -> tuple[str, list[PlanRow]]:
        """Line ``n``'s title and rows."""
        if n < len(self.anomalies):
            return f"{MARK} {self.anomalies[n].message}", self.anomalies[n].rows
        group = self.groups[n - len(self.anomalies)]
        return group.text, group.rows

    def action_open(self) -> None:
        cursor = self.query_one(LinesView).cursor
        if cursor < len(self.anomalies) + len(self.groups):
            title, rows = self.title_rows(cursor)
            if rows:
                self.app.push_screen(UsersScreen(self.state, title, rows))
            else:
                self.notify("This concerns the file as a whole, not some of its users.", timeout=4)

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The groups (and anomalies) shown, for ``ctrl+e``: field, before, after, users, what."""
        out = [["anomaly", "", "", str(len(a.rows)), a.message] for a in self.anomalies]
        out += [[g.field, "" if g.befores > 1 or g.before is None else str(g.before),
                 "" if g.after is None else str(g.after), str(g.count), g.text] for g in self.groups]
        return ["field", "before", "after", "users", "change"], out
