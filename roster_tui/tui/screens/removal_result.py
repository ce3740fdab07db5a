"""Applying a removal plan: a progress bar with counts, then the result (applied, conflicts, failures).

Writes go through :func:`roster_tui.sync.apply.apply_removal` as single requests, a few at a time, so escape
stops the removal after the writes already in flight; rows never sent are listed as not attempted.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import ProgressBar, Static

from roster_tui.core.removal_plan import RemovalPlan, RemovalRow
from roster_tui.core.wording import plural
from roster_tui.files import record_removed
from roster_tui.sync.apply import ApplyResult, Outcome
from roster_tui.sync.changes import apply_removal
from roster_tui.sync.remover import CONCURRENCY, deleted_keys
from roster_tui.tui.screens.run_screen import RunScreen
from roster_tui.tui.styles import REMOVAL_CSS
from roster_tui.tui.widgets.footer import KeyFooter

DONE_VERBS = {"deactivate": "deactivated", "delete": "deleted"}


def _who(row: RemovalRow) -> str:
    name = f" ({row.name})" if row.name else ""
    return f"{row.email or row.key}{name}"


def result_text(result: ApplyResult) -> Text:
    """Every row of the result under its heading (problems first), with the reason for each one not applied."""
    text = Text()
    sections = (("failed", "Failures", "red"), ("conflict", "Conflicts", "yellow"), ("ok", "Applied", "green"))
    for status, title, colour in sections:
        outcomes: list[Outcome] = [o for o in result.outcomes if o.status == status]
        if status == "ok" and result.not_attempted:
            text.append(f"Not attempted: stopped ({len(result.not_attempted)})\n", "bold")
            for row in result.not_attempted:
                text.append(f"  {row.action} {_who(row)}\n")
            text.append("\n")
        text.append(f"{title} ({len(outcomes)})\n", f"bold {colour}")
        for o in outcomes:
            verb = DONE_VERBS.get(o.row.action, o.row.action)
            if status != "ok":
                verb = f"not {verb}:"
            line = f"  {verb} {_who(o.row)}"
            if status == "ok" and o.row.action == "deactivate" and o.row.cancels:
                line += f"; cancelled {plural(o.row.cancels, 'not-yet-completed assignment')}"
            text.append(line + "\n")
            if o.error:
                text.append(f"    {o.error}\n", colour)
        if status != "ok":
            text.append("\n")
    return text


class RemovalRunScreen(RunScreen):
    """Apply ``plan`` with progress; then show the result. Dismisses with the result."""

    CSS_PATH = REMOVAL_CSS  # loaded when a removal screen is first shown (roster_tui.tui.styles)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop_or_close", "Stop/back", id="removal_run.stop"),
        Binding("enter", "close", "Back", id="removal_run.close"),
    ]

    def __init__(self, plan: RemovalPlan, *, batch: int = CONCURRENCY) -> None:
        super().__init__(id="removal-run")
        self.plan = plan
        self.rows = plan.to_apply()
        self.batch = max(1, batch)

    def compose(self) -> ComposeResult:
        yield Static(f"Removing {plural(len(self.rows), 'user')}", id="run-title", markup=False)
        yield ProgressBar(total=len(self.rows), show_eta=False, id="run-progress")
        yield Static("", id="run-counts", markup=False)
        yield Static("escape: stop after the writes in flight", id="run-hint", markup=False)
        with VerticalScroll(id="run-result"):
            yield Static("", id="run-result-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#run-result").display = False
        self._show_counts(0)
        self.run_task(self._run(), group="removal-apply", exclusive=True)

    def _show_counts(self, done: int) -> None:
        c = self.result.counts()
        self.query_one(ProgressBar).update(progress=done)
        self.query_one("#run-counts", Static).update(
            f"{done} of {len(self.rows)} done · {c['ok']} applied · {c['conflict']} conflicts · "
            f"{c['failed']} failed")

    async def _run(self) -> None:
        try:
            await apply_removal(self.console.client, self.plan, result=self.result, cancel_event=self.cancel,
                                source={"keys": len(self.rows), "what": "the console"},
                                on_progress=lambda done, _total: self._show_counts(done), use_bulk=False,
                                concurrency=self.batch)
        finally:
            self._finish()

    def _finish(self) -> None:
        self.finished = True
        record_removed(self.console.source, deleted_keys(self.result))
        for outcome in self.result.outcomes:
            outcome.row.result = outcome.status
        c = self.result.counts()
        left = self.result.not_attempted
        stopped = f"Stopped: {len(left)} not attempted · " if left else "Done: "
        self.query_one("#run-title", Static).update(
            f"{stopped}{c['ok']} applied · {c['conflict']} conflicts · {c['failed']} failed")
        again = ("Conflicts: the user changed after the preview; open the removal again to plan afresh. "
                 if c["conflict"] else "")
        self.query_one("#run-hint", Static).update(f"{again}enter or escape: back to the roster")
        self.query_one("#run-result-text", Static).update(result_text(self.result))
        scroll = self.query_one("#run-result", VerticalScroll)
        scroll.display = True
        scroll.focus()
        self.refresh_bindings()
