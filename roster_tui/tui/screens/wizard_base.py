"""What every step of the import wizard shares: the state, the step title, back with escape, workers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from roster_tui.core.workbook import WorkbookFile
from roster_tui.files import confined
from roster_tui.sync.import_file import PreparedFile, prepare_file
from roster_tui.sync.importer import plan_import
from roster_tui.sync.slices import run_in_slices
from roster_tui.tui.screens.base import ConsoleScreen
from roster_tui.tui.screens.dialogs import PromptScreen
from roster_tui.tui.styles import WIZARD_CSS
from roster_tui.tui.wizard_state import WizardState, fill_values, issues_by_line, issues_of

T = TypeVar("T")
PROGRESS_SECONDS = 0.2
PROGRESS_WORDS = {"scanning": "Reading the file", "checking": "Checking rows while the roster is fetched",
                  "planning": "Planning"}
STEPS = ("File", "Mapping", "Validation", "Preview", "Apply")


class WizardStep(ConsoleScreen[None]):
    """One step of the wizard; ``escape`` goes back a step (nothing is written before the last one)."""

    STEP = 1
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="wizard.back")]
    CSS_PATH = WIZARD_CSS  # loaded when a wizard screen is first shown (roster_tui.tui.styles)

    def __init__(self, state: WizardState) -> None:
        super().__init__(classes="wizard")
        self.state = state

    def step_title(self) -> ComposeResult:
        trail = " › ".join(f"[{n}]" if i + 1 == self.STEP else n for i, n in enumerate(STEPS))
        yield Static(f"Import CSV · step {self.STEP} of {len(STEPS)}  {trail}",
                     id="wizard-title", markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run CPU-bound ``fn`` in a thread worker and wait for it (raises what ``fn`` raised: the caller knows
        which errors it expects, and the task it runs in reports the others)."""
        def call() -> tuple[T | None, Exception | None]:
            try:
                return fn(*args, **kwargs), None
            except Exception as exc:
                return None, exc

        result, error = await self.run_task(call, group="wizard-thread", thread=True).wait()
        if error is not None:
            raise error
        return cast(T, result)

    def save_errors(self, prompt: str, written: str) -> None:
        """Ask where to write the errors CSV (``prompt``), then write it; ``written`` names its rows."""
        def chosen(path: str | None) -> None:
            if path and path.strip():
                self.run_task(self._save_errors(path.strip(), written), group="save")

        self.app.push_screen(PromptScreen(prompt, self.state.errors_csv_default()), chosen)

    async def _save_errors(self, path: str, written: str) -> None:
        try:
            count = await self.in_thread(self.state.write_errors, str(confined(path)))
        except OSError as exc:
            self.notify(f"Not written: {exc.strerror or exc}", severity="error", timeout=5)
            return
        self.notify(f"{count:,} {written} written to {path}", timeout=4)

    def _settle_dates(self, prepared: PreparedFile) -> None:
        """Keep the date format the file's dates were read with, or what the admin must choose."""
        state = self.state
        state.date_choices, state.date_note = [], ""
        column = prepared.mapping.column_of("hire_date")
        if column is None or not prepared.scan.date_values:
            return
        where = f"the dates of {prepared.mapping.describe(column)}"
        if prepared.date_format_proposed:
            state.date_format = prepared.validator.date_format
            state.date_note = (f"Dates: {where} are read as {state.date_format}, the only format every one fits "
                               "(d on the mapping step chooses another).")
        elif len(prepared.date_formats) > 1:
            state.date_choices = prepared.date_formats
            state.date_note = f"Dates: {where} fit more than one format; choose which the file uses."
        elif prepared.validator.date_format is None:
            state.date_note = (f"Dates: {where} fit no one format; those not ISO (YYYY-MM-DD) are errors. "
                               "Esc back to the mapping step and press d to declare the file's format.")

    async def run_plan(self, stage: Callable[[str], None]) -> None:
        """Read, check and plan the file as ``roster import`` does; the engine works in slices on the UI's
        event loop, so keys are answered meanwhile. ``stage`` gets what is going on (a few times a second)."""
        state = self.state
        stage("Reading the file…")
        prepared = prepare_file(state.path, encoding=state.encoding, delimiter=state.delimiter,
                                sync_key=state.sync_key, overrides=state.overrides, date_format=state.date_format,
                                scan=False, sheet=state.sheet,  # plan_import scans it, in slices
                                opened=state.source if isinstance(state.source, WorkbookFile) else None)
        shown = 0.0

        def progress(what: str, rows: int) -> None:
            nonlocal shown
            if (now := time.monotonic()) - shown >= PROGRESS_SECONDS:
                shown = now
                total = f" of {prepared.scan.rows:,}" if what != "scanning" else ""
                stage(f"{PROGRESS_WORDS[what]}: {rows:,}{total} rows…")

        plan = await plan_import(self.console.client, prepared, deactivate_missing=state.full_sync,
                                 force=state.force, progress=progress, limits=self.console.limits,
                                 anomalies=self.console.anomalies)
        self._settle_dates(prepared)
        issues = issues_of(plan)
        stage(f"Collecting {len(issues):,} messages…")
        wanted = issues_by_line(issues)
        if wanted:
            await run_in_slices(iter(prepared.records()), lambda batch: fill_values(wanted, batch))
        self.console.freeze_heap(more=True)  # the plan lives until the wizard ends
        state.prepared, state.index, state.plan, state.issues = prepared, plan.index, plan, issues
