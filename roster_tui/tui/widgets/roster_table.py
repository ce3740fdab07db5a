"""The roster table: a ScrollView drawing only the visible rows, paging users in from the API on demand."""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from roster_tui.core.models import User
from roster_tui.core.scim import user_from_scim
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.tui.first_requests import PAGE_SIZE
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.roster_layout import COLUMNS, FROZEN, Column, Layout, Row, fit_widths, widest
from roster_tui.tui.tasks import Tasks
from roster_tui.tui.widgets.roster_columns import thumb
from roster_tui.tui.widgets.roster_lines import RosterLines

MAX_PAGES = 64


_QueryKey = tuple[str | None, str, str, int]
_PageKey = tuple[_QueryKey, int]


class RosterTable(Tasks, RosterLines, ScrollView, can_focus=True):
    """Users of a :class:`RosterQuery`, ``PAGE_SIZE`` at a time, with a row/column cursor and marks; the mark and
    Name columns stay at the left while the others scroll, and the columns widen to fill a wide widget."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="roster.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="roster.up"),
        Binding("left", "cursor_left", "Left column", show=False, id="roster.left"),
        Binding("right", "cursor_right", "Right column", show=False, id="roster.right"),
        Binding("pagedown", "page_down", "Page down", show=False, id="roster.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="roster.page_up"),
        Binding("home,g", "first", "First row", show=False, id="roster.first"),
        Binding("end,G", "last", "Last row", show=False, id="roster.last"),
        Binding("enter", "open", "Open", tooltip="Open the profile", id="roster.open"),
        Binding("space", "toggle_mark", "Mark", id="roster.mark"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "roster-table--header", "roster-table--cursor", "roster-table--cursor-cell", "roster-table--marked",
        "roster-table--placeholder", "roster-table--inactive"}

    class Opened(Message):
        """The admin asked to open a user's profile."""

        def __init__(self, user: User) -> None:
            self.user = user
            super().__init__()

    class Loaded(Message):
        """A page of the current query arrived; ``total`` is the query's totalResults."""

        def __init__(self, total: int) -> None:
            self.total = total
            super().__init__()

    class MarksChanged(Message):
        """The set of marked users changed."""

    class LoadFailed(Message):
        """A page could not be loaded."""

        def __init__(self, error: RosterApiError) -> None:
            self.error = error
            super().__init__()

    def __init__(self, client: RosterClient, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.client = client
        self.query_in_effect = RosterQuery()
        self.total: int | None = None
        self.cursor_row = 0
        self.cursor_col = 0
        self.marked: dict[str, User] = {}
        self.load_error: str | None = None  # why no page could be shown yet
        self.sortable = True  # the server sorts (else rows come in its own order)
        self._generation = 0
        self._key_of: tuple[RosterQuery, int, _QueryKey] | None = None
        # a page is its rows: each user with its columns' text (one line), made as the page arrives, not per key
        self._pages: OrderedDict[_PageKey, list[Row]] = OrderedDict()
        self._loading: set[_PageKey] = set()
        self._totals: dict[_QueryKey, int] = {}
        self._widest: dict[_QueryKey, tuple[int, ...]] = {}  # of the pages loaded of a query: widths only grow
        self.column_layout = Layout()
        self.virtual_size = Size(self.column_layout.width, 1)
        self._row_styles: dict[tuple[bool, bool, bool, bool], tuple[Style, Style | None]] = {}
        self._lines: dict[int, tuple[tuple[object, ...], Row | None, Strip]] = {}
        self._lines_frame = (0, 0)

    # -- data ----------------------------------------------------------------------------------

    @property
    def _key(self) -> _QueryKey:
        q, generation = self.query_in_effect, self._generation
        if self._key_of is None or self._key_of[0] is not q or self._key_of[1] != generation:
            sort = (q.sort_by, q.sort_order) if self.sortable else (None, None)
            self._key_of = (q, generation, (q.scim_filter(), *sort, generation))
        return self._key_of[2]

    def set_query(self, query: RosterQuery) -> None:
        """Show ``query`` from its first row."""
        self.query_in_effect = query
        self.total = self._totals.get(self._key)
        self.cursor_row = 0
        self._relayout()
        self.virtual_size = Size(self.column_layout.width, (self.total or 0) + 1)
        self.scroll_to(y=0, animate=False)
        self._ensure_pages()
        self.refresh()

    def reload(self) -> None:
        """Forget every cached page and load the visible ones again (keeps the cursor)."""
        self._generation += 1
        self._pages.clear()
        self._totals.clear()
        self._widest.clear()
        self._ensure_pages()
        self.refresh()

    def _entry(self, row: int) -> Row | None:
        page = self._pages.get((self._key, row // PAGE_SIZE))
        if page is None or row % PAGE_SIZE >= len(page):
            return None
        return page[row % PAGE_SIZE]

    def user_at(self, row: int) -> User | None:
        entry = self._entry(row)
        return None if entry is None else entry.user

    @property
    def cursor_user(self) -> User | None:
        return self.user_at(self.cursor_row)

    @property
    def body_height(self) -> int:
        return max(1, self.size.height - 1)

    def _wanted_pages(self) -> tuple[list[int], list[int]]:
        """The pages with rows on screen (or the cursor), and those a screen above and below: fetched ahead, so
        that scrolling on finds its rows already there (no placeholders, no second frame to fill them in)."""
        first, height = int(self.scroll_offset.y), self.body_height
        shown = {r // PAGE_SIZE for r in (first, first + height, self.cursor_row)}
        near = {r // PAGE_SIZE for r in (max(0, first - height), first + 2 * height)} - shown
        last = None if self.total is None else max(0, (self.total - 1) // PAGE_SIZE)
        return ([p for p in sorted(shown) if last is None or p <= last],
                [p for p in sorted(near) if last is not None and p <= last])

    def _ensure_pages(self) -> None:
        key = self._key
        shown, near = self._wanted_pages()
        for page in shown:
            self._ensure_page((key, page))
        if all((key, page) in self._pages for page in shown):  # the rows on screen come first
            for page in near:
                self._ensure_page((key, page))

    def _ensure_page(self, pkey: _PageKey) -> None:
        if pkey in self._pages:
            self._pages.move_to_end(pkey)
        elif pkey not in self._loading:
            self._loading.add(pkey)
            self.run_task(self._load_page(pkey), group="roster-pages")

    def _page_on_screen(self, page: int) -> bool:
        first = int(self.scroll_offset.y)
        return page * PAGE_SIZE <= first + self.body_height and first < (page + 1) * PAGE_SIZE

    async def _load_page(self, pkey: _PageKey) -> None:
        (filter_, sort_by, sort_order, _gen), page = pkey
        try:
            if pkey[0] != self._key or page not in (wanted := self._wanted_pages())[0] + wanted[1]:
                return  # scrolled past it before it started
            result = await self.client.list_users(filter=filter_, sort_by=sort_by, sort_order=sort_order,
                                                  start_index=page * PAGE_SIZE + 1, count=PAGE_SIZE)
        except RosterApiError as exc:
            if self.total is None:  # nothing to show: say so instead of "Loading…"
                self.load_error = "Not loaded (see the message above)."
                self._lines.clear()
                self.refresh()
            self.post_message(self.LoadFailed(exc))
            return
        finally:
            self._loading.discard(pkey)
        self.load_error = None
        rows = self._pages[pkey] = [Row(user_from_scim(r)) for r in result.resources]
        self._totals[pkey[0]] = result.total_results
        seen, page_widest = self._widest.get(pkey[0]), widest([r.values for r in rows])
        self._widest[pkey[0]] = page_widest if seen is None else tuple(map(max, seen, page_widest))
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if pkey[0] != self._key:
            return
        relaid = self._relayout()
        for r in rows:  # fitted as the page arrives, not when scrolled to
            r.text(self.column_layout)
        if self.total != result.total_results:
            self.total = result.total_results
            self.virtual_size = Size(self.column_layout.width, self.total + 1)
            self.cursor_row = min(self.cursor_row, max(0, self.total - 1))
            self.refresh()
        elif relaid or self._page_on_screen(page):  # a page fetched ahead is drawn when scrolled to
            self.refresh()
        self.post_message(self.Loaded(self.total))
        self._ensure_pages()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView's, except that the scrollbar is repainted only when its thumb moves: at a million rows a
        # cell of scrollbar spans thousands of rows, and repainting it cost a fifth of a scrolled frame.
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            if thumb(bar, old_value) == thumb(bar, new_value):
                bar.set_reactive(ScrollBar.position, bar.validate_position(new_value))
            else:
                bar.position = new_value
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)
        # pages are asked for once the frame is drawn: placeholders first, rows when they come
        self.call_after_refresh(self._ensure_pages)

    def on_resize(self) -> None:
        if self._relayout():
            self.refresh()
        self._ensure_pages()

    def watch_show_vertical_scrollbar(self) -> None:
        if self._relayout():  # the columns' width is less the scrollbar's
            self.refresh()

    @property
    def view_width(self) -> int:
        """The width the columns are seen in (the widget's, less a vertical scrollbar)."""
        return self.scrollable_content_region.width

    def _relayout(self) -> bool:
        """Fit the columns to the view's width and the query's widest values; say whether they changed."""
        widths = fit_widths(self.view_width, self._widest.get(self._key))
        if widths == self.column_layout.widths:
            return False
        self.column_layout = Layout(widths)
        self.virtual_size = Size(self.column_layout.width, self.virtual_size.height)
        return True

    # -- cursor --------------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        last = max(0, (self.total or 1) - 1)
        row = max(0, min(last, row))
        old, self.cursor_row = self.cursor_row, row
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + self.body_height:
            self.scroll_to(y=row - self.body_height + 1, animate=False)
        else:
            self.refresh_line(old + 1)
            self.refresh_line(row + 1)
            self._ensure_pages()

    def _move_column(self, delta: int) -> None:
        """Move the column cursor, scrolling the columns that are not frozen to show its column."""
        self.cursor_col = max(0, min(len(COLUMNS) - 1, self.cursor_col + delta))
        xs, frozen = self.column_layout.xs, self.column_layout.frozen
        x0, x1 = xs[self.cursor_col], xs[self.cursor_col + 1]
        left, width = int(self.scroll_offset.x), self.view_width
        if self.cursor_col < FROZEN:
            pass  # always on screen
        elif x0 < frozen + left:  # behind the frozen columns: scroll it out to their right
            self.scroll_to(x=x0 - frozen, animate=False)
        elif x1 > left + width:  # off the right edge: scroll in whole columns up to it (its start, if wider)
            starts = (x - frozen for x in xs[FROZEN : self.cursor_col + 1] if x - frozen >= x1 - width)
            self.scroll_to(x=next(starts, x0 - frozen), animate=False)
        self.refresh()

    @property
    def cursor_column(self) -> Column:
        return COLUMNS[self.cursor_col]

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_left(self) -> None:
        self._move_column(-1)

    def action_cursor_right(self) -> None:
        self._move_column(1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.body_height)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self.body_height)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor((self.total or 1) - 1)

    def action_open(self) -> None:
        user = self.cursor_user
        if user is not None:
            self.post_message(self.Opened(user))

    def action_toggle_mark(self) -> None:
        user = self.cursor_user
        if user is None or user.id is None:
            return
        if user.id in self.marked:
            del self.marked[user.id]
        else:
            self.marked[user.id] = user
        self.post_message(self.MarksChanged())
        self.refresh_line(self.cursor_row + 1)
        self.move_cursor(self.cursor_row + 1)
