"""The history: the changes of the journal (each import, removal and undo applied), newest first, all of them or
those that wrote one user. ``enter`` shows a change's writes, ``u`` previews its undo, ``r`` writes what an
interrupted change left, ``o`` opens a saved plan file to apply it."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from roster_tui.core.changes import DONE, OPEN, Change
from roster_tui.core.wording import one_line, plural
from roster_tui.files import confined
from roster_tui.scim import changes as journal
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import NO_JOURNAL, resume
from roster_tui.sync.roster_index import emails_by_id
from roster_tui.tui.change_lines import (
    CHANGE_HEADER,
    change_line,
    change_title,
    outcome_text,
    people_of_writes,
    write_lines,
)
from roster_tui.tui.screens.base import ConsoleScreen
from roster_tui.tui.screens.change_preview import ChangePreviewScreen, saved_plan_preview, undo_preview
from roster_tui.tui.screens.change_run import ChangeRunScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from roster_tui.tui.styles import HISTORY_SHEETS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.widgets.status import Banner, Busy

#: The changes listed (newest first).
LISTED = 200
NO_HISTORY = NO_JOURNAL.format(what="the history")


class HistoryScreen(ConsoleScreen[bool]):
    """The changes, newest first (``user``: only those that wrote this user id, named ``who``). Dismisses with
    True when something was written from here."""

    CSS_PATH = HISTORY_SHEETS  # loaded when a history screen is first shown (roster_tui.tui.styles)
    WRITE_ACTIONS = frozenset({"undo", "resume", "open_plan"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "writes", "Writes", tooltip="The change's writes", id="history.writes"),
        Binding("u", "undo", "Undo…", tooltip="Undo the change (preview)", id="history.undo"),
        Binding("r", "resume", "Resume…", tooltip="Resume an interrupted change", id="history.resume"),
        Binding("o", "open_plan", "Open plan…", tooltip="Apply a saved plan file", id="history.open_plan"),
        Binding("escape,q", "back", "Back", id="history.back"),
    ]

    def __init__(self, user: str | None = None, who: str = "") -> None:
        super().__init__(id="history")
        self.user, self.who = user, who
        self.changes: list[Change] = []
        self.loaded = False
        self.wrote = False

    def compose(self) -> ComposeResult:
        title = f"History · the changes that wrote {self.who or self.user}" if self.user else "History · all changes"
        with Horizontal(classes="history-header"):
            yield Static(one_line(title), classes="history-title", markup=False)
            yield Busy(id="busy")
        yield Static("Loading the changes…", id="history-summary", markup=False)
        yield Banner(id="banner")
        yield LinesView(header=CHANGE_HEADER, id="history-rows")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(LinesView).focus()
        self.reload()

    def reload(self) -> None:
        self.run_task(self._load(), group="history-load", exclusive=True)

    async def _load(self) -> None:
        busy = self.query_one(Busy)
        busy.start()
        try:
            if not (await self.console.client.features()).changes:
                self.query_one(Banner).show(f"{NO_HISTORY}. Escape: back.", kind="warning")
                return
            changes = await journal.list_changes(self.console.client, user=self.user, count=LISTED)
        except RosterApiError as exc:
            self.query_one(Banner).show(f"The history could not be read: {exc}")
            return
        finally:
            busy.stop()
        self.changes, self.loaded = changes, True
        left_open = sum(1 for c in changes if c.status == OPEN)
        text = f"{plural(len(changes), 'change')}, newest first · enter: its writes · u: undo it"
        if left_open:
            text += f" · {left_open} interrupted (open): r resumes"
        self.query_one("#history-summary", Static).update(text)
        view = self.query_one(LinesView)
        view.empty = ("No change has written this user yet." if self.user else
                      "No changes recorded yet: imports, removals and undos are listed here once applied.")

        def render(n: int) -> Text:
            kind, line = change_line(changes[n])
            return Text(line, view.style_for(kind))

        view.set_rows(len(changes), render)

    @property
    def selected(self) -> Change | None:
        view = self.query_one(LinesView)
        return self.changes[view.cursor] if self.changes and view.cursor < len(self.changes) else None

    def _after_write(self, result: ApplyResult | None) -> None:
        if result is not None and result.outcomes:
            self.wrote = True
        self.reload()

    # -- actions -------------------------------------------------------------------------------

    def action_writes(self) -> None:
        if (change := self.selected) is not None:
            self.app.push_screen(ChangeWritesScreen(change))

    def action_undo(self) -> None:
        change = self.selected
        if change is None:
            return
        if change.status == OPEN:
            self.query_one(Banner).show(f"Change {change.id} was interrupted (still open): r writes the rest "
                                        "first, then it can be undone.", kind="warning")
            return
        self.query_one(Banner).clear()
        client = self.console.client
        self.app.push_screen(ChangePreviewScreen(f"Undo · {change_title(change)}",
                                                 lambda: undo_preview(client, change.id)), self._after_write)

    def action_resume(self) -> None:
        change = self.selected
        if change is None:
            return
        if change.status == DONE:
            self.query_one(Banner).show(f"Change {change.id} is done: nothing is left to write.", kind="warning")
            return
        self.query_one(Banner).clear()
        client = self.console.client
        planned = sum(v for k, v in change.counts.items() if isinstance(v, int) and k not in (
            "unchanged", "error", "warning", "conflict"))
        written = int((change.outcome or {}).get("ok", 0) or 0)

        async def run(**options: Any) -> ApplyResult:
            return await resume(client, change.id, **options)

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(ChangeRunScreen(f"Resuming change {change.id}", max(planned - written, 0),
                                                     run), self._after_write)

        self.app.push_screen(ConfirmScreen(
            f"{change_title(change)}.\nWrite what it left? Its saved plan less the users it wrote, each only if "
            "unchanged since (else a conflict); the same change records the rest.", yes="Resume", no="Cancel"),
            answered)

    def action_open_plan(self) -> None:
        client, service = self.console.client, self.console.source

        def chosen(path: str | None) -> None:
            if path and path.strip():
                try:
                    where = confined(path.strip())
                except PermissionError as exc:
                    self.notify(str(exc), severity="error", timeout=6)
                    return
                self.app.push_screen(ChangePreviewScreen(f"Saved plan · {one_line(where.name)}",
                                                         lambda: saved_plan_preview(client, where, service)),
                                     self._after_write)

        self.app.push_screen(PromptScreen("Apply a saved plan (made by s on the import preview, or roster import "
                                          "with an out file). The plan file:", placeholder="new_hires.plan.json"),
                             chosen)

    def action_back(self) -> None:
        self.dismiss(self.wrote)


class ChangeWritesScreen(ConsoleScreen[None]):
    """One change: what, when, who, its outcome, and each write (the user, the action, fields before -> after)."""

    CSS_PATH = HISTORY_SHEETS  # loaded when a history screen is first shown (roster_tui.tui.styles)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Back", id="history_writes.close"),
    ]

    def __init__(self, change: Change) -> None:
        super().__init__(id="history-writes")
        self.change = change
        self.lines: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="history-header"):
            yield Static(change_title(self.change), classes="history-title", markup=False)
            yield Busy(id="busy")
        yield Static(outcome_text(self.change) or "Loading its writes…", id="history-summary", markup=False)
        yield Banner(id="banner")
        yield LinesView(header=f"{'#':>5}  {'Action':<16}User · each field before -> after", id="writes-rows")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(LinesView).focus()
        self.run_task(self._load(), group="history-writes", exclusive=True)

    async def _load(self) -> None:
        busy = self.query_one(Busy)
        busy.start()
        client = self.console.client
        try:
            writes = [w async for w in journal.iter_writes(client, self.change.id)]
            ids = people_of_writes(writes)
            people = await emails_by_id(client, ids) if ids else {}
        except RosterApiError as exc:
            self.query_one(Banner).show(f"The writes could not be read: {exc}")
            return
        finally:
            busy.stop()
        users = len({w.user_id for w in writes})
        summary = f"{plural(len(writes), 'write')} to {plural(users, 'user')}"
        if outcome := outcome_text(self.change):
            summary += f" · {outcome}"
        self.query_one("#history-summary", Static).update(summary + " · u on the history undoes it")
        self.lines = write_lines(writes, people)
        view = self.query_one(LinesView)
        view.empty = "This change wrote nobody."
        view.set_rows(len(self.lines), lambda n: Text(self.lines[n][1], view.style_for(self.lines[n][0])))

    def action_close(self) -> None:
        self.dismiss(None)
