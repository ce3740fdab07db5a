"""Writing a change from the history (an undo, a resumed change, a saved plan): a progress bar with counts, escape
stops after the writes in flight, then the result of every write and the change it was recorded as."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import ProgressBar, Static

from roster_tui.core.wording import one_line, plural
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import ChangeError
from roster_tui.tui.screens.run_screen import RunScreen
from roster_tui.tui.styles import HISTORY_SHEETS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView

#: The writes: ``run(on_progress=..., cancel_event=..., result=..., max_operations=...)``.
Run = Callable[..., Awaitable[ApplyResult]]
#: /Bulk operations per request: escape is answered between batches.
BATCH = 50


def outcome_lines(result: ApplyResult) -> list[tuple[str, str]]:
    """Problems first, then what was not attempted, then what was written; each with who and why."""
    lines: list[tuple[str, str]] = []
    order = {"failed": 0, "conflict": 1, "ok": 2}
    for o in sorted(result.outcomes, key=lambda o: order.get(str(o.status), 3)):
        label = "written" if o.status == "ok" else str(o.status)
        why = f"  {one_line(str(o.error))}" if o.error else ""
        lines.append((str(o.status), f"{label:<10} {o.row.action:<11} {one_line(str(o.row.key))}{why}"))
    for row in result.not_attempted:
        lines.append(("dim", f"{'not sent':<10} {row.action:<11} {one_line(str(row.key))}"))
    return lines


class ChangeRunScreen(RunScreen):
    """Run ``run`` (``total`` writes expected) with progress, then show its result; dismisses with it."""

    CSS_PATH = HISTORY_SHEETS  # loaded when a history screen is first shown (roster_tui.tui.styles)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop_or_close", "Stop/back", id="change_run.stop"),
        Binding("enter", "close", "Back", id="change_run.close"),
    ]

    def __init__(self, what: str, total: int, run: Run) -> None:
        super().__init__(id="change-run")
        self.what, self.total, self.run = what, total, run
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Static(f"{self.what}: {plural(self.total, 'write')}", id="run-title", markup=False)
        yield ProgressBar(total=self.total or 1, show_eta=False, id="run-progress")
        yield Static("", id="run-counts", markup=False)
        yield Static("escape: stop after the writes in flight", id="run-hint", markup=False)
        yield LinesView(header=f"{'Result':<10} {'Action':<11} User", id="run-outcomes")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(LinesView).display = False
        self._show_counts(0, self.total)
        self.run_task(self._run(), group="change-run", exclusive=True)

    def _show_counts(self, done: int, total: int) -> None:
        c = self.result.counts()
        self.query_one(ProgressBar).update(total=total or 1, progress=done)
        self.query_one("#run-counts", Static).update(
            f"{done:,} of {total:,} done · {c['ok']} written · {c['conflict']} conflicts · {c['failed']} failed")

    async def _run(self) -> None:
        try:
            await self.run(result=self.result, cancel_event=self.cancel, on_progress=self._show_counts,
                           max_operations=BATCH)
        except (ChangeError, RosterApiError) as exc:
            self.error = str(exc)
        finally:
            self._finish()

    def _finish(self) -> None:
        self.finished = True
        c = self.result.counts()
        left = self.result.not_attempted
        head = f"Stopped: {len(left)} not attempted · " if left or self.result.cancelled else "Done: "
        if self.error:
            head = f"Not written: {self.error} · "
        self.query_one("#run-title", Static).update(
            f"{self.what}. {head}{c['ok']} written · {c['conflict']} conflicts · {c['failed']} failed")
        notes = []
        if self.result.change is not None:
            notes.append(f"Recorded as change {self.result.change}: u on it in the history takes it back.")
        if c["conflict"]:
            notes.append("Conflicts: those users changed since the plan; nothing of theirs was overwritten.")
        if left or self.result.cancelled:
            notes.append("r on the change in the history writes the rest.")
        self.query_one("#run-hint", Static).update(" ".join([*notes, "enter or escape: back"]))
        view = self.query_one(LinesView)
        lines = outcome_lines(self.result)
        view.empty = "Nothing was written."
        view.set_rows(len(lines), lambda n: Text(lines[n][1], view.style_for(lines[n][0])))
        view.display = True
        view.focus()
        if self.result.outcomes:
            self.console.roster_changed()
        self.refresh_bindings()
