"""The roster table: a ScrollView drawing only the visible rows, paging users in from the API on demand."""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

from rich.segment import Segment
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
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.tasks import Tasks
from roster_tui.tui.widgets.roster_columns import (
    COLUMNS,
    GUTTER,
    PLACEHOLDER_CELLS,
    TABLE_WIDTH,
    Column,
    column_x,
    row_cells,
    thumb,
)

PAGE_SIZE = 100
MAX_PAGES = 64
MAX_LINES = 256  # drawn lines kept for reuse (a few screens)
MARK = "●"


_QueryKey = tuple[str | None, str, str, int]
_PageKey = tuple[_QueryKey, int]


class RosterTable(Tasks, ScrollView, can_focus=True):
    """Users of a :class:`RosterQuery`, ``PAGE_SIZE`` at a time, with a row/column cursor and marks."""

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
        # a page is its users, each with its row's text (cells fitted): made as the page arrives, not per key
        self._pages: OrderedDict[_PageKey, list[tuple[User, str]]] = OrderedDict()
        self._loading: set[_PageKey] = set()
        self._totals: dict[_QueryKey, int] = {}
        self.virtual_size = Size(TABLE_WIDTH, 1)
        self._row_styles: dict[tuple[bool, bool, bool, bool], tuple[Style, Style | None]] = {}
        self._lines: dict[int, tuple[tuple[object, ...], User | None, Strip]] = {}
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
        self.virtual_size = Size(TABLE_WIDTH, (self.total or 0) + 1)
        self.scroll_to(y=0, animate=False)
        self._ensure_pages()
        self.refresh()

    def reload(self) -> None:
        """Forget every cached page and load the visible ones again (keeps the cursor)."""
        self._generation += 1
        self._pages.clear()
        self._totals.clear()
        self._ensure_pages()
        self.refresh()

    def _entry(self, row: int) -> tuple[User, str] | None:
        page = self._pages.get((self._key, row // PAGE_SIZE))
        if page is None or row % PAGE_SIZE >= len(page):
            return None
        return page[row % PAGE_SIZE]

    def user_at(self, row: int) -> User | None:
        entry = self._entry(row)
        return None if entry is None else entry[0]

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
        users = [user_from_scim(r) for r in result.resources]
        self._pages[pkey] = [(u, "".join(row_cells([c.value(u) for c in COLUMNS]))) for u in users]
        self._totals[pkey[0]] = result.total_results
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if pkey[0] != self._key:
            return
        if self.total != result.total_results:
            self.total = result.total_results
            self.virtual_size = Size(TABLE_WIDTH, self.total + 1)
            self.cursor_row = min(self.cursor_row, max(0, self.total - 1))
            self.refresh()
        elif self._page_on_screen(page):  # a page fetched ahead is drawn when scrolled to
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
        self._ensure_pages()

    # -- drawing -------------------------------------------------------------------------------
    #
    # A line is kept as the Strip it was drawn as (one segment per style run, already cropped and padded to the
    # widget) until its user, the cursor, a mark, focus, the width, the horizontal scroll or the CSS change:
    # scrolling by a line draws one new line, moving the cursor two.

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_styles.clear()
        self._lines.clear()

    def _style(self, *, placeholder: bool = False, inactive: bool = False, marked: bool = False,
               cursor: bool = False) -> tuple[Style, Style | None]:
        """The style of a row in these states, and of the cursor cell on the cursor row."""
        key = (placeholder, inactive, marked, cursor)
        styles = self._row_styles.get(key)
        if styles is None:
            style = self.rich_style
            for on, component in ((placeholder, "placeholder"), (inactive, "inactive"), (marked, "marked"),
                                  (cursor, "cursor")):
                if on:
                    style += self.get_component_rich_style(f"roster-table--{component}")
            cell = style + self.get_component_rich_style("roster-table--cursor-cell") if cursor else None
            styles = self._row_styles[key] = (style, cell)
        return styles

    def _fit(self, runs: list[tuple[str, Style]], length: int = TABLE_WIDTH) -> Strip:
        """Runs of text ``length`` cells long from x=0 (a table row's, unless told), cropped to the horizontal
        scroll and padded to the widget's width: one Strip, no further copies."""
        scroll_x, width = int(self.scroll_offset.x), self.size.width
        base = self._style()[0]
        if scroll_x == 0 and length <= width:
            if length < width:
                if runs and runs[-1][1] == base:
                    runs[-1] = (runs[-1][0] + " " * (width - length), base)
                else:
                    runs.append((" " * (width - length), base))
            return Strip([Segment(text, style) for text, style in runs if text], width)
        strip = Strip([Segment(text, style) for text, style in runs if text], length)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base).simplify()

    def _cell_runs(self, cells: list[str], style: Style, cursor: Style | None, mark: str) -> list[tuple[str, Style]]:
        texts = [mark.ljust(GUTTER), *cells]
        if cursor is None:
            return [("".join(texts), style)]
        i = self.cursor_col + 1
        return [("".join(texts[:i]), style), (texts[i], cursor), ("".join(texts[i + 1 :]), style)]

    def _line_state(self, row: int) -> tuple[object, ...]:
        """What a line shows besides the frame and the CSS: a drawn line is reused while this is equal."""
        if row < 0:
            q = self.query_in_effect
            return ("header", q.sort_field, q.descending, self.cursor_col)
        if self.total is None or row >= self.total:
            return ("message", self.total is None, self.query_in_effect.is_default)
        user = self.user_at(row)
        cursor = self.cursor_col if row == self.cursor_row and self.has_focus else None
        if user is None:
            return ("placeholder", cursor is not None)
        # id(user) stays unique while the line is cached: the cache holds the user too
        return (id(user), cursor, user.id in self.marked)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        frame = (int(scroll_x), self.size.width)
        if frame != self._lines_frame:
            self._lines.clear()
            self._lines_frame = frame
        row = int(scroll_y) + y - 1 if y else -1
        state = self._line_state(row)
        cached = self._lines.get(row)
        if cached is not None and cached[0] == state:
            return cached[2]
        strip = self._draw_header() if row < 0 else self._draw_row(row)
        if len(self._lines) >= MAX_LINES:
            self._lines.clear()
        self._lines[row] = (state, self.user_at(row) if row >= 0 else None, strip)
        return strip

    def _draw_header(self) -> Strip:
        style = self.rich_style + self.get_component_rich_style("roster-table--header")
        q = self.query_in_effect
        labels = []
        for c in COLUMNS:
            arrow = ""
            if self.sortable and c.sort_field == q.sort_field:
                arrow = " ↓" if q.descending else " ↑"
            labels.append(c.label + arrow)
        return self._fit(self._cell_runs(row_cells(labels), style, style + Style(underline=True), ""))

    def _draw_row(self, row: int) -> Strip:
        if self.total is None or row >= self.total:
            text, width = "", self.size.width
            if row == 0 and self.total is None:
                text = f" {self.load_error}" if self.load_error else " Loading…"
            elif row == 0:
                text = (" The roster is empty: n adds a user, i imports a CSV file." if self.query_in_effect.is_default
                        else " No users match the query (esc clears it).")
            # a message starts at the left edge, whatever the horizontal scroll of the columns
            style = self._style(placeholder=self.total is None)[0]
            return Strip([Segment(text, style)]).crop(0, width).extend_cell_length(width, self._style()[0])
        entry = self._entry(row)
        is_cursor = row == self.cursor_row and self.has_focus
        if entry is None:
            style, _ = self._style(placeholder=True, cursor=is_cursor)
            return self._fit(self._cell_runs(PLACEHOLDER_CELLS, style, None, ""))
        user, text = entry
        marked = user.id in self.marked
        mark = MARK if marked else ""
        style, cursor_cell = self._style(inactive=not user.active, marked=marked, cursor=is_cursor)
        if cursor_cell is None:
            return self._fit([(mark.ljust(GUTTER) + text, style)])
        return self._fit(self._cell_runs(row_cells([c.value(user) for c in COLUMNS]), style, cursor_cell, mark))

    def on_focus(self) -> None:
        self.refresh_line(self.cursor_row + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor_row + 1)

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
        self.cursor_col = max(0, min(len(COLUMNS) - 1, self.cursor_col + delta))
        x0, x1 = column_x(self.cursor_col), column_x(self.cursor_col + 1)
        left = int(self.scroll_offset.x)
        if x0 < left or x1 > left + self.size.width:
            self.scroll_to(x=x0 if x0 < left else x1 - self.size.width, animate=False)
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
