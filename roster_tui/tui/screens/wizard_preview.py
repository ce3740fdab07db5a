"""Wizard step 4: the plan as a counts bar and a list per kind; every field of a user before -> after."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.plan import Plan, PlanRow
from roster_tui.core.view_table import plan_table
from roster_tui.core.wording import plural
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.slices import run_in_slices
from roster_tui.tui.screens.dialogs import ConfirmScreen, pass_guards
from roster_tui.tui.screens.plan_diff import DiffScreen, row_summary
from roster_tui.tui.screens.plan_save import save_plan
from roster_tui.tui.screens.wizard_apply import ApplyStep, confirmation
from roster_tui.tui.screens.wizard_base import WizardStep
from roster_tui.tui.screens.wizard_groups import MARK, GroupsScreen, UsersScreen, anomalies_text
from roster_tui.tui.widgets.counts_bar import KINDS, CountsBar
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.wizard_state import WizardState


def held_text(plan: Plan | None) -> str:
    """The preview's first lines: each guard holding the plan and how to pass it, or those passed (else "")."""
    if plan is None or not plan.guards:
        return ""
    if plan.forced:
        return "\n".join(f"Past a guard (you typed the count): {g.message}." for g in plan.guards)
    lines = [f"!! HELD: {g.message}." for g in plan.guards]
    guard = plan.guards[0]
    lines.append(f"Nothing is written unless you type {guard.count:,} (the users it would {guard.verb}): a or !. "
                 "The limits are [guards] in config.toml.")
    return "\n".join(lines)


class PreviewStep(WizardStep):
    """What the import will do, per kind; the full sync is a separate, loudly warned opt-in."""

    STEP = 4
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="wizard.back"),
        Binding("right,tab", "kind(1)", "Kind", key_display="←→", priority=True, id="wizard.preview.next_kind"),
        Binding("left,shift+tab", "kind(-1)", "Previous kind", show=False, priority=True,
                id="wizard.preview.previous_kind"),
        Binding("enter", "details", "Fields", id="wizard.preview.details"),
        Binding("v", "groups", "Grouped", id="wizard.preview.groups"),
        Binding("1", "anomaly(1)", "Users of anomaly 1", show=False, id="wizard.preview.anomaly_1"),
        Binding("2", "anomaly(2)", "Users of anomaly 2", show=False, id="wizard.preview.anomaly_2"),
        Binding("3", "anomaly(3)", "Users of anomaly 3", show=False, id="wizard.preview.anomaly_3"),
        Binding("a", "apply", "Apply…", id="wizard.preview.apply"),
        Binding("s", "save_plan", "Save plan…", show=False, tooltip="Save the plan to apply later",
                id="wizard.preview.save_plan"),
        Binding("F", "full_sync", "Full sync…", id="wizard.preview.full_sync"),
        Binding("exclamation_mark", "force", "Pass the guards…", key_display="!", id="wizard.preview.force"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.kind = "create"
        self.groups: dict[str, list[PlanRow]] = {}

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        guards = Static("", id="guards", markup=False)
        guards.display = False
        yield guards
        yield CountsBar(id="counts-bar")
        yield Static("", id="full-sync", markup=False)
        yield Static("", id="plan-notes", markup=False)
        yield Static("", id="anomalies", markup=False)
        yield Static("", id="preview-kind", markup=False)
        yield LinesView(header=f"{'Line':>6}  {'User':<32}What", id="plan-rows")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(LinesView).focus()
        self.run_task(self._group(), group="preview", exclusive=True)

    async def _group(self) -> None:
        plan = self.state.plan
        assert plan is not None

        groups: dict[str, list[PlanRow]] = {k: [] for k in KINDS}

        def group(rows: list[PlanRow]) -> None:
            for row in rows:
                groups[row.action].append(row)
                if row.warnings:
                    groups["warning"].append(row)

        await run_in_slices(iter(plan.rows), group)
        self.groups = groups
        first = next((k for k in KINDS if self.groups[k]), "create")
        self.kind = first
        self._show()

    def _show(self) -> None:
        state = self.state
        plan = state.plan
        assert plan is not None
        counts = {kind: len(rows) for kind, rows in self.groups.items()}  # plan.summary(), already grouped
        self.query_one(CountsBar).show(counts, self.kind)
        guards = self.query_one("#guards", Static)
        guards.update(held_text(plan))
        guards.set_classes("-held" if plan.held else "-passed")
        guards.display = bool(plan.guards)
        sync = self.query_one("#full-sync", Static)
        sync.set_classes("-refused" if plan.refusal else "-on" if state.full_sync else "-off")
        if plan.refusal:
            sync.update(f"!! FULL SYNC REFUSED: {plan.refusal}.\nPress F to turn the full sync off.")
        elif state.full_sync:
            sync.update(f"!! FULL SYNC ON: {plan.missing:,} active users missing from the file will be "
                        "DEACTIVATED (F turns it off).")
        else:
            sync.update("Users missing from the file are left alone. (F: full sync, deactivating them)")
        notes = self.query_one("#plan-notes", Static)
        notes.update("\n".join(f"! {note}" for note in plan.notes))
        notes.display = bool(plan.notes)
        anomalies = self.query_one("#anomalies", Static)
        anomalies.update(anomalies_text(plan.anomalies))
        anomalies.display = bool(plan.anomalies)
        rows = self.groups.get(self.kind, [])
        self.query_one("#preview-kind", Static).update(
            f"{self.kind.capitalize()}: {plural(len(rows), 'row')}  ·  ←→ other kinds  ·  enter shows every field")
        view = self.query_one(LinesView)
        kind = self.kind

        def render(n: int) -> Text:
            row = rows[n]
            line = str(row.line) if row.line is not None else "-"
            text = Text(f"{line:>6}  ")
            text.append(f"{row.key[:31]:<32}", view.style_for(kind))
            text.append(row_summary(row, kind))
            return text

        view.empty = f"No {kind} rows."
        view.set_rows(len(rows), render)

    # -- actions -------------------------------------------------------------------------------

    def action_kind(self, step: int) -> None:
        if self.groups:
            self.kind = KINDS[(KINDS.index(self.kind) + step) % len(KINDS)]
            self._show()

    def action_details(self) -> None:
        view = self.query_one(LinesView)
        rows = self.groups.get(self.kind, [])
        if view.cursor < len(rows):
            self.app.push_screen(DiffScreen(self.state, rows[view.cursor]))

    def action_groups(self) -> None:
        if self.groups:
            self.app.push_screen(GroupsScreen(self.state))

    def action_anomaly(self, n: int) -> None:
        plan = self.state.plan
        if not self.groups or plan is None or n > len(plan.anomalies):
            return
        anomaly = plan.anomalies[n - 1]
        if anomaly.rows:
            self.app.push_screen(UsersScreen(self.state, f"{MARK} {anomaly.message}", anomaly.rows))
        else:
            self.notify("This concerns the file as a whole, not some of its users.", timeout=4)

    def _replan(self) -> None:
        self.groups = {}
        self.query_one("#preview-kind", Static).update("Planning again…")
        self.run_task(self._replan_work(), group="preview", exclusive=True)

    async def _replan_work(self) -> None:
        label = self.query_one("#preview-kind", Static)
        try:
            await self.run_plan(label.update)
        except (ImportFileError, RosterApiError) as exc:
            label.update(f"! Planning failed: {exc}")
            return
        await self._group()

    def action_full_sync(self) -> None:
        state = self.state
        if state.full_sync:
            state.full_sync = state.force = False
            self._replan()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                state.full_sync, state.force = True, False
                self._replan()

        self.app.push_screen(ConfirmScreen(
            "FULL SYNC: every active user who is NOT in this file will be DEACTIVATED.\n"
            f"Only use it with a file of the whole roster. It is held when it would deactivate more than "
            f"{self._full_sync_share()} of the active users. Plan a full sync?", yes="Plan full sync"), answer)

    def _full_sync_share(self) -> str:
        share = self.console.limits.full_sync_share
        return "(no limit: guards.full_sync_share is off)" if share is None else f"{share:g}%"

    def _pass_guards(self, then: Callable[[], object] | None = None) -> None:
        """Pass the guards holding the plan, only by typing the count; ``then`` runs once they are passed."""
        plan = self.state.plan
        if plan is None or not plan.held:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.state.force = plan.forced = True
                self._show()
                if then is not None:
                    then()

        question = confirmation(self.state) if then is not None else "Type the count to pass the guards."
        self.app.push_screen(pass_guards(plan.held, question), answer)

    def action_force(self) -> None:
        """Pass the guards holding the plan (typing the count), without applying yet."""
        self._pass_guards()

    def action_apply(self) -> None:
        plan = self.state.plan
        if plan is None or not self.groups:
            return
        if plan.refusal:
            self.notify("The full sync was refused: turn it off (F) first.", severity="error", timeout=4)
            return
        if not plan.changes:
            self.notify("Nothing to change: every row is unchanged or has errors.", severity="warning",
                        timeout=4)
            return

        if plan.held:  # typing the count is the confirmation
            self._pass_guards(lambda: self.app.push_screen(ApplyStep(self.state)))
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(ApplyStep(self.state))

        self.app.push_screen(ConfirmScreen(confirmation(self.state), yes="Apply"), answer)

    def action_save_plan(self) -> None:
        if self.groups:
            save_plan(self)

    export_name = "import-preview"  # ctrl+e suggests import-preview.csv

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The plan's rows: a line per field each changes, with its errors and warnings (ctrl+e)."""
        return plan_table(self.state.plan)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "force":
            return self.state.plan is not None and bool(self.state.plan.held)
        if action == "anomaly":
            return self.state.plan is not None and int(str(parameters[0])) <= len(self.state.plan.anomalies)
        return True
