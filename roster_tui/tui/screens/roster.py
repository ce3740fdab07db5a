"""The roster screen (home): counts, the query in effect, and the paged table of users."""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import replace
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Input, Static

from roster_tui.core.facets import FACETS
from roster_tui.core.wording import plural
from roster_tui.scim.errors import BadRequest, RosterApiError, Unauthorized
from roster_tui.scim.values import ValueCount
from roster_tui.sync.people import all_groups
from roster_tui.tui.first_requests import COUNT_FILTERS
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.screens.dialogs import PickScreen
from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.roster_journal import RosterJournal
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.roster_table import RosterTable
from roster_tui.tui.widgets.status import Banner, Busy, is_transient

#: How an admin supplies the token, for a 401.
TOKEN_HELP = ("Give roster the token: set ROSTER_API_TOKEN, or token_file in config.toml (a file of mode 0600); "
              "then quit (q) and start roster again.")
ALL_GROUPS = "*"  # the group picker's choice of every user
SEARCH_DELAY = 0.25  # seconds of quiet typing before the search goes to the server
RETRY_DELAY = 3.0
HEAP_REFREEZE_DELAY = 0.5  # seconds after the roster is back: the screens that left have unmounted by then


class RosterScreen(RosterJournal):
    """Browse the roster: search, filter, sort, mark, and open profiles (and the history: RosterJournal)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="roster.search"),
        Binding("escape", "clear_query", "Clear query", show=False, id="roster.clear_query"),
        Binding("s", "cycle_status", "Status", show=False, id="roster.status"),
        Binding("a", "toggle_admins", "Admins only", show=False, id="roster.admins"),
        Binding("d", "department", "Department", show=False, id="roster.department"),
        Binding("f", "group", "Group", show=False, id="roster.group"),
        Binding("F", "frequency", "Values", key_display="F", show=False, id="roster.frequency"),
        Binding("o", "sort", "Sort by column", show=False, id="roster.sort"),
        Binding("n", "new_user", "New", tooltip="New user", id="roster.new_user"),
        Binding("i", "import_csv", "Import", tooltip="Import a CSV file or workbook", id="roster.import"),
        Binding("r", "refresh", "Refresh", show=False, id="roster.refresh"),
        Binding("R", "remove_users", "Remove", key_display="R", tooltip="Remove the marked users", id="roster.remove"),
        Binding("T", "terms_list", "Terms list", key_display="T", tooltip="Remove users of a terms list",
                id="roster.terms_list"),
        Binding("q", "app.quit", "Quit", id="roster.quit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="roster")
        self._search_timer: Timer | None = None
        self._retry_timer: Timer | None = None
        self._connection_down = False
        self._features_pending = False
        self._query_text = ""
        self._first_rows_shown = False
        self._refresh_asked = False  # r pressed, its rows not yet in

    def compose(self) -> ComposeResult:
        with Horizontal(id="roster-header"):
            yield Static("Roster", id="counts", markup=False)
            yield Busy(id="busy")
        yield Static(f"source: {self.console.source}", id="source", markup=False)
        yield Banner(id="banner")
        yield Input(placeholder="search name, email or employee ID", id="search")
        yield Static(id="query", markup=False)
        yield RosterTable(self.console.client, id="table")
        yield KeyFooter()

    @property
    def table(self) -> RosterTable:
        return self.query_one(RosterTable)

    def on_mount(self) -> None:
        search = self.query_one("#search", Input)
        search.display = False
        search.cursor_blink = self.app.animation_level != "none"
        self.set_focus(self.table)
        self._show_query()
        self.table.set_query(RosterQuery())
        self.load_counts()
        self.run_task(self._step_aside(), group="features")

    async def _step_aside(self) -> None:
        """What the server lacks steps aside on its own: without sorting, rows come in the server's order.
        (Asked again once the service answers, when it could not be reached.)"""
        try:
            features = await self.console.client.features()
        except RosterApiError:
            self._features_pending = True
            return
        self._features_pending = False
        if not features.sort and self.table.sortable:
            self.table.sortable = False
            self.table.reload()
            self._show_query()

    # -- counts and query bar ------------------------------------------------------------------

    def load_counts(self) -> None:
        self.run_task(self._load_counts(), group="counts", exclusive=True)

    async def _load_counts(self) -> None:
        """The counts line, each count on its own: one a server cannot answer (a filter it lacks) shows as —."""
        client = self.console.client
        busy = self.query_one(Busy)
        busy.start()

        async def count(text: str | None) -> int | RosterApiError:
            try:
                return (await client.list_users(filter=text, count=0)).total_results
            except RosterApiError as exc:
                return exc

        try:
            results = await asyncio.gather(*(count(f) for f in COUNT_FILTERS))
        finally:
            busy.stop()
        if isinstance(results[0], RosterApiError):
            self._failed(results[0])
            return
        total, active, inactive, admins = (r if isinstance(r, int) else None for r in results)
        self.query_one("#counts", Static).update(
            f"Roster  {plural(total, 'user')} · {'—' if active is None else f'{active:,}'} active · "
            f"{'—' if inactive is None else f'{inactive:,}'} inactive · {plural(admins, 'admin')}")
        self._recovered()

    def _show_query(self) -> None:
        table = self.table
        text = f"Query: {table.query_in_effect.describe(table.sortable)}"
        if table.total is not None:
            text += f" · {table.total:,} shown"
        if table.marked:
            text += f" · {len(table.marked)} marked"
        if not table.query_in_effect.is_default:
            text += "  (esc clears)"
        if text != self._query_text:  # each page that arrives asks again; most leave the line as it was
            self._query_text = text
            self.query_one("#query", Static).update(text, layout=False)  # one line, whatever it says

    def set_query(self, query: RosterQuery) -> None:
        """Apply ``query`` to the table and show it."""
        self.table.set_query(query)
        self._show_query()

    # -- connection ----------------------------------------------------------------------------

    def _failed(self, error: RosterApiError) -> None:
        self._refresh_asked = False
        banner = self.query_one(Banner)
        if is_transient(error):
            self._connection_down = True
            banner.show(f"Connection lost: {error.detail} Retrying in {RETRY_DELAY:.0f} s…")
            if self._retry_timer is None:
                self._retry_timer = self.set_timer(RETRY_DELAY, self._retry)
        elif isinstance(error, Unauthorized):
            banner.show(f"The roster API refused the token ({error.detail}). {TOKEN_HELP}")
        elif isinstance(error, BadRequest) and not self.table.query_in_effect.is_default:
            banner.show(f"This server cannot answer that query ({error.detail}); showing the whole roster.",
                        kind="warning")
            self.set_query(RosterQuery())
        else:
            banner.show(f"The service refused the request: {error.detail}")

    def _recovered(self) -> None:
        if self._features_pending:
            self._features_pending = False
            self.run_task(self._step_aside(), group="features")
        if self._connection_down:
            self._connection_down = False
            self.query_one(Banner).clear()

    def reload_roster(self) -> None:
        """Load the table's rows and the counts again."""
        self.table.reload()
        self.load_counts()

    def _retry(self) -> None:
        self._retry_timer = None
        self.reload_roster()

    @on(RosterTable.LoadFailed)
    def _page_failed(self, event: RosterTable.LoadFailed) -> None:
        self._failed(event.error)

    @on(RosterTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._show_query()

    @on(RosterTable.Loaded)
    def _page_loaded(self) -> None:
        self._recovered()
        self._show_query()
        if self._refresh_asked:
            self._refresh_asked = False
            self.notify("Refreshed", timeout=1.5)
        if not self._first_rows_shown:
            self._first_rows_shown = True
            self.call_after_refresh(self.console.freeze_heap)
            self.run_task(_load_screens, group="preload", thread=True)

    # -- search --------------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.value = self.table.query_in_effect.search
        self.set_focus(search)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value
        self._search_timer = self.set_timer(SEARCH_DELAY, lambda: self._apply_search(value))

    def _apply_search(self, value: str) -> None:
        self._search_timer = None
        if value != self.table.query_in_effect.search:
            self.set_query(replace(self.table.query_in_effect, search=value))

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._apply_search(event.value)
        self.set_focus(self.table)

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.query_one("#search", Input).has_focus:
            event.stop()
            self.set_focus(self.table)

    # -- filters and sort ----------------------------------------------------------------------

    def action_clear_query(self) -> None:
        search = self.query_one("#search", Input)
        if self._search_timer is not None:
            self._search_timer.stop()
        search.value = ""
        search.display = False
        self.set_focus(self.table)
        if not self.table.query_in_effect.is_default:
            self.set_query(RosterQuery())

    def action_cycle_status(self) -> None:
        self.set_query(self.table.query_in_effect.cycle_status())

    def action_toggle_admins(self) -> None:
        q = self.table.query_in_effect
        self.set_query(replace(q, admins_only=not q.admins_only))

    def action_group(self) -> None:
        """Show only the members of a group (a list of the roster's groups to choose from)."""
        self.run_task(self._pick_group(), group="groups", exclusive=True)

    async def _pick_group(self) -> None:
        try:
            groups = await all_groups(self.console.client)
        except RosterApiError as exc:
            self._failed(exc)
            return
        if groups is None:
            self.notify("This server has no groups.", severity="warning")
            return
        if not groups:
            self.notify("The roster has no groups yet.", severity="warning")
            return
        names = dict(groups)

        def chosen(value: str | None) -> None:
            if value is not None:
                group = None if value == ALL_GROUPS else (value, names[value])
                self.set_query(replace(self.table.query_in_effect, group=group))

        self.app.push_screen(PickScreen("Show only the members of the group:",
                                        [(ALL_GROUPS, "(every user)"), *groups]), chosen)

    def action_department(self) -> None:
        """The departments with their counts; enter shows the users of one."""
        self.open_values("department")

    def action_frequency(self) -> None:
        """The values of the column under the cursor with their counts (VisiData's frequency table)."""
        column = self.table.cursor_column
        if column.key in FACETS:
            self.open_values(column.key)
            return

        def chosen(name: str | None) -> None:
            if name is not None:
                self.open_values(name)

        self.app.push_screen(PickScreen(f"{column.label} has no value counts. Count the values of:",
                                        [(f.name, f.label) for f in FACETS.values()]), chosen)

    def open_values(self, name: str) -> None:
        """The frequency view of the roster attribute ``name`` among the users of the query (but for its own
        filter); the value chosen filters the roster."""
        def chosen(value: ValueCount | None) -> None:
            if value is not None:
                self.set_query(self.table.query_in_effect.with_value(name, value.value, value.shown))

        self.app.push_screen(FrequencyScreen(self.console.client, name,
                                             self.table.query_in_effect.without(name).scim_filter()), chosen)

    def action_sort(self) -> None:
        if not self.table.sortable:
            self.notify("This server cannot sort: the rows come in its own order.", severity="warning")
            return
        column = self.table.cursor_column
        if column.sort_field is None:
            self.notify(f"The roster cannot be sorted by {column.label.lower()}.", severity="warning")
            return
        self.set_query(self.table.query_in_effect.sorted_by(column.sort_field))

    # -- actions -------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._refresh_asked = True  # said once the rows are in, never when the reload fails
        self.reload_roster()

    def _after_profile(self, changed: bool | None) -> None:
        if changed:
            self.reload_roster()
        self.set_focus(self.table)

    @on(RosterTable.Opened)
    def _open(self, event: RosterTable.Opened) -> None:
        from roster_tui.tui.screens.profile import ProfileScreen  # loaded after the first rows: _load_screens

        self.app.push_screen(ProfileScreen(event.user.id), self._after_profile)

    def action_new_user(self) -> None:
        from roster_tui.tui.screens.profile import ProfileScreen  # loaded after the first rows: _load_screens

        self.app.push_screen(ProfileScreen(None), self._after_profile)

    def action_import_csv(self) -> None:
        from roster_tui.tui.screens.wizard_file import FileStep  # loaded after the first rows: _load_screens

        self.app.push_screen(FileStep())

    def on_screen_resume(self) -> None:
        self._show_query()
        if self._first_rows_shown:  # back from a screen that may have unfrozen the heap (the import wizard)
            self.set_timer(HEAP_REFREEZE_DELAY, self.console.freeze_heap)

    # -- removing users ------------------------------------------------------------------------

    def action_remove_users(self) -> None:
        """Preview removing the marked users (or the user at the cursor when none is marked)."""
        users = list(self.table.marked.values())
        source = f"{len(users)} marked"
        if not users and self.table.cursor_user is not None:
            users, source = [self.table.cursor_user], "the user at the cursor"
        if not users:
            self.notify("Mark users with space first (or put the cursor on one).", severity="warning")
            return
        from roster_tui.core.removal_plan import RemovalKey  # lazy: with the removal screen, after the first rows

        self._open_removal([RemovalKey(u.email) for u in users], source)

    def action_terms_list(self) -> None:
        from roster_tui.tui.screens.terms_list import TermsListScreen  # loaded after the first rows: _load_screens

        self.app.push_screen(TermsListScreen(), self._after_removal)

    def _open_removal(self, keys: list, source: str) -> None:
        from roster_tui.tui.screens.removal import RemovalScreen  # loaded after the first rows: _load_screens

        self.app.push_screen(RemovalScreen(keys, source), self._after_removal)

    def _after_removal(self, result: object) -> None:
        outcomes = getattr(result, "outcomes", None)
        if outcomes:
            for outcome in outcomes:
                if outcome.status == "ok" and outcome.row.user_id:
                    self.table.marked.pop(outcome.row.user_id, None)
            self.reload_roster()
            self._show_query()
        self.set_focus(self.table)


def _load_screens() -> None:
    """Import the screens the roster opens (left out of the start: the first rows come sooner), in a thread."""
    for name in ("profile", "removal", "terms_list", "wizard_file"):
        importlib.import_module(f"roster_tui.tui.screens.{name}")
