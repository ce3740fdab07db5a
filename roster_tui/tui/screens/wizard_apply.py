"""Wizard step 5: apply the plan with a progress bar (cancellable), then the result of every write."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import ProgressBar, Static

from roster_tui.core.wording import one_line
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import apply_plan
from roster_tui.tui.screens.plan_save import import_source
from roster_tui.tui.screens.wizard_base import WizardStep
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.wizard_state import WizardState

WRITES = ("create", "update", "reactivate", "deactivate")
DONE = {"create": "created", "update": "updated", "reactivate": "reactivated", "deactivate": "deactivated"}
REDRAW = 0.1  # seconds between progress redraws
#: /Bulk operations per request: small batches keep each batch's encoding short, so keys are answered
APPLY_BATCH = 100


def confirmation(state: WizardState) -> str:
    """The question before anything is written, repeating the counts."""
    plan = state.plan
    assert plan is not None
    s = plan.summary()
    counts = ", ".join(f"{s[k]:,} {k}" for k in WRITES)
    text = f"Apply {plan.changes:,} changes to the roster?\n{counts}."
    if s["error"]:
        text += f"\n{s['error']:,} {'row' if s['error'] == 1 else 'rows'} with errors left out."
    if state.full_sync and plan.missing:
        text += f"\n!! FULL SYNC: {plan.missing:,} users missing from the file will be DEACTIVATED."
    return text


def eta(done: int, total: int, elapsed: float) -> str:
    """``N/M · R/s · about T left``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate > 0 else None
    remaining = f"about {left:,.0f} s left" if left is not None else "estimating time left…"
    return f"{done:,} of {total:,} written · {rate:,.0f}/s · {remaining}"


class ApplyStep(WizardStep):
    """The writes in progress; ``escape`` / ``ctrl+c`` cancel after the writes in flight."""

    STEP = 5
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="wizard.apply.cancel"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True, id="wizard.apply.interrupt"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.cancel = asyncio.Event()
        self.total = state.plan.changes if state.plan else 0
        self._started = 0.0
        self._drawn = 0.0

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        yield Static(f"Applying {self.total:,} changes from {self.state.path}…", id="apply-what", markup=False)
        yield ProgressBar(total=self.total or 1, show_eta=False, id="apply-progress")
        yield Static("", id="apply-rate", markup=False)
        yield Static("escape or ctrl+c cancels: the writes already sent finish, nothing else is written.",
                     id="apply-hint", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._started = time.monotonic()
        self.run_task(self._apply(), group="apply", exclusive=True)

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._drawn < REDRAW and done < total:
            return
        self._drawn = now
        self.query_one(ProgressBar).update(total=total or 1, progress=done)
        self.query_one("#apply-rate", Static).update(eta(done, total, now - self._started))

    async def _apply(self) -> None:
        state = self.state
        assert state.plan is not None
        try:
            source = await asyncio.to_thread(import_source, state) if state.prepared is not None else None
            result = await apply_plan(self.console.client, state.plan, on_progress=self._progress,
                                      cancel_event=self.cancel, max_operations=APPLY_BATCH, source=source)
        except RosterApiError as exc:
            result = ApplyResult(cancelled=True)
            self.notify(f"The roster API could not be used: {exc}", severity="error", timeout=8)
        state.applied = result
        self.app.switch_screen(ResultStep(state))

    def action_cancel(self) -> None:
        if not self.cancel.is_set():
            self.cancel.set()
            self.query_one("#apply-hint", Static).update("Cancelling after the writes in flight…")


class ResultStep(WizardStep):
    """Applied, conflicts and failures, each listed with the reason; the roster is refreshed."""

    STEP = 5
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "done", "Back to roster", id="wizard.result.done"),
        Binding("s", "save_errors", "Save errors CSV", id="wizard.result.save_errors"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        yield Static("", id="result-counts", markup=False)
        yield LinesView(header=f"{'Line':>6}  {'Result':<10}{'User':<32}Reason", id="outcomes")
        yield KeyFooter()

    def on_mount(self) -> None:
        applied, plan = self.state.applied, self.state.plan
        assert applied is not None and plan is not None
        counts = applied.counts()
        left = plan.changes - len(applied.outcomes)
        text = (f"Applied {counts['ok']:,}  ·  conflicts {counts['conflict']:,}  ·  failures {counts['failed']:,}"
                f"  ·  rows with errors {plan.errors:,}")
        if applied.cancelled:
            text += (f"\nCancelled: {left:,} changes were not written. Import the same file again to apply "
                     "the rest.")
        if counts["conflict"]:
            text += "\nConflicts: those users changed after the preview; nothing of theirs was overwritten."
        self.query_one("#result-counts", Static).update(text + "\ns: save the errors CSV  ·  enter: back to roster")
        order = {"conflict": 0, "failed": 1, "ok": 2}
        outcomes = sorted(applied.outcomes, key=lambda o: (order[o.status], o.row.line or 0))
        view = self.query_one(LinesView)

        def render(n: int) -> Text:
            o = outcomes[n]
            line = str(o.row.line) if o.row.line is not None else "-"
            label = "applied" if o.status == "ok" else o.status
            text = Text(f"{line:>6}  ")
            text.append(f"{label:<10}", view.style_for(o.status))
            text.append(f"{o.row.key[:31]:<32}")
            if o.status != "ok":
                text.append(one_line(str(o.error)))
            else:
                text.append(DONE.get(o.row.action, o.row.action))
                if o.warning:
                    text.append(f" · {o.warning}", view.style_for("warning"))
            return text

        view.empty = "Nothing was written."
        view.set_rows(len(outcomes), render)
        view.focus()
        self.console.roster_changed()

    def action_done(self) -> None:
        self.console.back_to_roster()

    def action_save_errors(self) -> None:
        self.save_errors("Write the rows with errors, conflicts and failures to:", "rows")
