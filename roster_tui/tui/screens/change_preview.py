"""A plan from the history before it is written: the undo of a change, or a saved plan file. Every user with the
write planned and why, each field before -> after, conflicts first with why they are left alone; ``a`` asks, then
writes it (:mod:`roster_tui.tui.screens.change_run`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from roster_tui.core.undo import CONFLICT
from roster_tui.core.wording import kind_count, one_line, plural
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import ChangeError, apply_saved, apply_undo, plan_undo
from roster_tui.sync.saved_plan import UNDO, PlanFileError, SavedPlan, read_plan_file
from roster_tui.tui.change_lines import change_title, counts_text, row_lines
from roster_tui.tui.screens.base import ConsoleScreen
from roster_tui.tui.screens.change_run import ChangeRunScreen, Run
from roster_tui.tui.screens.dialogs import ConfirmScreen, TypeCountScreen
from roster_tui.tui.styles import HISTORY_SHEETS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.widgets.status import Banner, Busy

#: More writes than this are confirmed by typing their number.
TYPED_CONFIRMATION_OVER = 10
#: Why an undo deletes or deactivates the users a change created, said once above the rows.
CREATED_NOTE = ("Users the change created are deleted; one with training assignments now is deactivated "
                "instead, so their training record is kept.")


@dataclass
class Preview:
    """What a preview shows and how its writes are made."""

    title: str
    what: str  # what is written, in a few words (the progress screen's title)
    summary: str
    rows: list[Any]
    writes: int
    question: str
    run: Run
    notes: list[str] = field(default_factory=list)


async def undo_preview(client: RosterClient, change: int) -> Preview:
    """The undo of ``change`` as :func:`roster_tui.sync.changes.plan_undo` plans it."""
    plan = await plan_undo(client, change)
    summary = plan.summary()
    counts = " · ".join(kind_count(n, k) for k, n in summary.items() if n) or "nothing to take back"
    notes = [CREATED_NOTE] if plan.change.kind != UNDO and (summary["delete"] or any(
        r.action == "deactivate" and r.reason.startswith("created") for r in plan.rows)) else []
    if summary[CONFLICT]:
        notes.append(f"{plural(summary[CONFLICT], 'conflict')}: changed since the change, left as they are now.")

    async def run(**options: Any) -> ApplyResult:
        return await apply_undo(client, plan, **options)

    return Preview(f"Undo · {change_title(plan.change)}", f"Undo of change {change}", f"Undo: {counts}",
                   plan.rows, plan.changes,
                   f"Undo change {change}: {plural(plan.changes, 'write')}? Each user goes back as before it; "
                   "the undo is a change of its own (u on it redoes).", run, notes)


async def saved_plan_preview(client: RosterClient, path: Path, service: str) -> Preview:
    """A plan file (``roster import --out``, the preview's ``s``), refused when made against another service."""
    saved: SavedPlan = read_plan_file(path)
    saved.check_service(service)
    source = saved.source.get("file") or saved.source.get("keys") or (
        f"change {saved.source['change']}" if saved.source.get("change") else "the console")

    async def run(**options: Any) -> ApplyResult:
        return await apply_saved(client, saved, **options)

    writes = len(saved.rows)
    return Preview(f"Saved plan · {one_line(path.name)}", f"Saved plan {one_line(path.name)}",
                   f"{saved.kind} planned {saved.made or 'at an unknown time'} from {one_line(str(source))}: "
                   f"{counts_text(saved.counts)}", saved.rows, writes,
                   f"Apply the saved {saved.kind}: {plural(writes, 'write')}? A user changed since it was planned "
                   "is a conflict, never overwritten.", run,
                   ["Each user is written only if still as the plan saw them."])


class ChangePreviewScreen(ConsoleScreen[ApplyResult | None]):
    """Show the preview ``make`` builds; ``a`` writes it. Dismisses with what was written (None: nothing)."""

    CSS_PATH = HISTORY_SHEETS  # loaded when a history screen is first shown (roster_tui.tui.styles)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "apply", "Apply…", id="change_preview.apply"),
        Binding("escape", "cancel", "Back", id="change_preview.cancel"),
    ]

    def __init__(self, title: str, make: Callable[[], Awaitable[Preview]]) -> None:
        super().__init__(id="change-preview")
        self.title_text = title
        self.make = make
        self.preview: Preview | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="history-header"):
            yield Static(self.title_text, id="preview-title", classes="history-title", markup=False)
            yield Busy(id="busy")
        yield Static("Planning…", id="preview-summary", markup=False)
        yield Static("", id="preview-notes", markup=False)
        yield Banner(id="banner")
        yield LinesView(header=f"  {'Action':<11} User (why) · each field now -> after", id="preview-rows")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#preview-notes").display = False
        self.run_task(self._plan(), group="change-preview", exclusive=True)

    async def _plan(self) -> None:
        busy = self.query_one(Busy)
        busy.start()
        try:
            preview = await self.make()
        except (ChangeError, PlanFileError, RosterApiError) as exc:
            self.query_one("#preview-summary", Static).update("Nothing planned.")
            self.query_one(Banner).show(f"{exc} (escape: back)")
            return
        finally:
            busy.stop()
        self.preview = preview
        self.query_one("#preview-title", Static).update(preview.title)
        self.query_one("#preview-summary", Static).update(preview.summary)
        notes = self.query_one("#preview-notes", Static)
        notes.update("\n".join(preview.notes))
        notes.display = bool(preview.notes)
        view = self.query_one(LinesView)
        lines = row_lines(preview.rows)
        view.empty = "Nothing to write: every user is as the plan would leave them."
        view.set_rows(len(lines), lambda n: Text(lines[n][1], view.style_for(lines[n][0])))
        view.focus()

    def action_apply(self) -> None:
        preview = self.preview
        if preview is None:
            return
        if not preview.writes:
            self.query_one(Banner).show("Nothing to write: every row is a conflict or unchanged.", kind="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(ChangeRunScreen(preview.what, preview.writes, preview.run),
                                     self.dismiss)

        if preview.writes > TYPED_CONFIRMATION_OVER:
            self.app.push_screen(TypeCountScreen(preview.question, preview.writes, verb="write"), answered)
        else:
            self.app.push_screen(ConfirmScreen(preview.question, yes="Apply", no="Cancel"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
