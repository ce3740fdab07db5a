"""The roster's way to the change journal (a base of :class:`~roster_tui.tui.screens.roster.RosterScreen`): ``H``
opens the history, and once the first rows are drawn the roster says when a change was left open (an apply
interrupted), never delaying those rows. Also the roster's view as ``ctrl+e`` exports it (``export_pages``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from roster_tui.core.changes import Change
from roster_tui.core.wording import one_line
from roster_tui.scim import changes as journal
from roster_tui.scim.errors import RosterApiError
from roster_tui.tui.screens.base import ConsoleScreen
from roster_tui.tui.widgets.roster_table import RosterTable
from roster_tui.tui.widgets.status import Banner

#: How the header names the embedded service (``ApiSettings.source``).
EMBEDDED_SOURCE = "embedded: "

if TYPE_CHECKING:
    from roster_tui.tui.screens.export_view import PagedExport

#: Said on a server without a change journal, where the history has nothing to show.
NO_HISTORY_NOTE = "This server keeps no change journal (the roster service does): there is no history to show."


def open_notice(changes: list[Change], resumes: bool = True) -> str:
    """One line about the changes left open: the newest named, and how to resume it (``resumes``: the token may
    write; a viewer's console only points to the history)."""
    newest = changes[0]
    what = newest.described if newest.kind == "undo" else f"{newest.kind} of {newest.described}"
    text = f"{what[:1].upper()}{what[1:]} (change {newest.id}) was interrupted"
    if len(changes) > 1:
        text += f", and {len(changes) - 1} more"
    return one_line(f"{text}: H opens the history" + (", where r resumes it" if resumes else ""))


class RosterJournal(ConsoleScreen[None]):
    """``H``: the history; after the first page, a note of any change left open, and who the token acts as."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("H", "history", "History", key_display="H", show=False,
                tooltip="History: undo, resume", id="roster.history"),
    ]
    #: the roster's writes (RosterScreen's keys n, i, R, T): off for a viewer (ConsoleScreen.check_action)
    WRITE_ACTIONS = frozenset({"new_user", "import_csv", "remove_users", "terms_list"})
    _open_asked = False
    _notice_shown = False
    export_name = "roster-view"  # ctrl+e suggests roster-view.csv

    def export_pages(self) -> PagedExport:
        """The roster as filtered and sorted now, in the export's columns, fetched page by page as it is written."""
        from roster_tui.core.export import HEADER  # the export's code loads on first use (a lean start)
        from roster_tui.sync.export import roster_view_pages  # as above
        from roster_tui.tui.screens.export_view import PagedExport  # as above

        table, client = self.query_one(RosterTable), self.console.client
        query, sorted_ = table.query_in_effect, table.sortable
        return PagedExport(HEADER, lambda: roster_view_pages(
            client, filter=query.scim_filter(), sort_by=query.sort_by if sorted_ else None,
            sort_order=query.sort_order if sorted_ else None))

    @on(RosterTable.Loaded)
    def _ask_open_changes(self) -> None:
        """Once, after the first page is drawn: are there changes left open?"""
        if not self._open_asked:
            self._open_asked = True
            self.call_after_refresh(self.run_task, self._after_first_rows(), group="open-changes")

    async def _after_first_rows(self) -> None:
        """Who the token acts as, then the changes left open (the note says r only to one who may resume)."""
        await self._ask_access()
        await self._open_changes()

    async def _ask_access(self) -> None:
        """Who the token acts as, from the roster service (a foreign server is not asked: it shows refusals as
        they come): shown beside the source (not on the embedded service, where it is always this machine's user,
        an account-admin); a viewer's writes go out of the footer and help."""
        try:
            access = await self.console.client.access()
        except RosterApiError:
            return
        if access is None:
            return
        self.console.access = access
        if not self.console.source.startswith(EMBEDDED_SOURCE) or not access.writes:
            self.query_one("#source", Static).update(f"source: {self.console.source} · {access.shown}")
        self.refresh_bindings()

    async def _open_changes(self) -> None:
        client = self.console.client
        try:
            if not (await client.features()).changes:
                return
            left_open = await journal.list_changes(client, status="open", count=20)
        except RosterApiError:
            return  # the roster shows what is wrong with the connection
        if left_open:
            access = self.console.access
            self.query_one(Banner).show(open_notice(left_open, access is None or access.writes), kind="warning")
            self._notice_shown = True

    def action_history(self) -> None:
        self.run_task(self._open_history(), group="history-open", exclusive=True)

    async def _open_history(self) -> None:
        try:
            keeps = (await self.console.client.features()).changes
        except RosterApiError as exc:
            self.notify(f"The history could not be opened: {exc}", severity="error", timeout=5)
            return
        if not keeps:
            self.notify(NO_HISTORY_NOTE, severity="warning", timeout=6)
            return
        from roster_tui.tui.screens.history import HistoryScreen  # loaded when first opened: not at the start

        if self._notice_shown:  # the history lists the changes left open: the note has done its work
            self._notice_shown = False
            self.query_one(Banner).clear()
        self.app.push_screen(HistoryScreen())  # what it writes reloads the roster (Console.roster_changed)
