"""What every step of the import wizard shares: the state, the step title, back with escape, workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerFailed

from roster_tui.tui import import_engine as engine
from roster_tui.tui.wizard_state import WizardState, fill_values, issues_of

if TYPE_CHECKING:
    from roster_tui.tui.app import RosterApp

T = TypeVar("T")
STEPS = ("File", "Mapping", "Validation", "Preview", "Apply")


class WizardStep(Screen[None]):
    """One step of the wizard; ``escape`` goes back a step (nothing is written before the last one)."""

    STEP = 1
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, state: WizardState) -> None:
        super().__init__(classes="wizard")
        self.state = state

    @property
    def roster_app(self) -> RosterApp:
        return cast("RosterApp", self.app)

    def step_title(self) -> ComposeResult:
        trail = " › ".join(f"[{n}]" if i + 1 == self.STEP else n for i, n in enumerate(STEPS))
        yield Static(f"Import CSV · step {self.STEP} of {len(STEPS)}  {trail}",
                     id="wizard-title", markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run CPU-bound ``fn`` in a thread worker and wait for it (raises what ``fn`` raised)."""
        worker = self.run_worker(lambda: fn(*args, **kwargs), thread=True, group="wizard-thread",
                                 exit_on_error=False)
        try:
            await worker.wait()
        except WorkerFailed as exc:
            raise exc.error from None
        return cast(T, worker.result)

    async def run_plan(self, stage: Callable[[str], None]) -> None:
        """Read, check and plan the file as ``roster import`` does, the CPU-bound parts in thread workers."""
        state = self.state
        stage("Reading and checking the file…")
        prepared = await self.in_thread(engine.prepare, state.path, encoding=state.encoding,
                                        delimiter=state.delimiter, sync_key=state.sync_key,
                                        overrides=state.overrides, date_format=state.date_format)
        keys = len(prepared.scan.emails) + len(prepared.scan.employee_ids)
        stage(f"{prepared.scan.rows:,} rows read. Looking up {keys:,} keys in the roster…")
        index = await engine.fetch_for_plan(self.roster_app.client, prepared, full=state.full_sync)
        stage(f"Planning {prepared.scan.rows:,} rows against {len(index.by_id):,} users…")
        plan = await self.in_thread(engine.make_plan, prepared, index, full=state.full_sync, force=state.force)
        issues = issues_of(plan)
        stage(f"Collecting {len(issues):,} messages…")
        await self.in_thread(fill_values, issues, prepared.csv)
        state.prepared, state.index, state.plan, state.issues = prepared, index, plan, issues
