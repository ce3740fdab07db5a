"""The roster table: a ScrollView drawing only the visible rows, paging users in from the API on demand."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from roster_tui.api.client import RosterClient
from roster_tui.api.errors import RosterApiError
from roster_tui.core.models import AssignmentStatus, User
from roster_tui.core.scim import user_from_scim
from roster_tui.tui.query import RosterQuery

PAGE_SIZE = 100
MAX_PAGES = 64
PLACEHOLDER = "…"
MARK = "●"


def training_summary(user: User) -> str:
    """``done/assigned`` of the user's live (not cancelled) training assignments."""
    live = [a for a in user.assignments if a.status != AssignmentStatus.CANCELLED]
    if not live:
        return "—"
    done = sum(a.status == AssignmentStatus.COMPLETED for a in live)
    return f"{done}/{len(live)} done"


@dataclass(frozen=True)
class Column:
    """A table column: key, header, width in cells, how to read the cell, and its sort field (if any)."""

    key: str
    label: str
    width: int
    value: Callable[[User], str]
    sort_field: str | None


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 20, lambda u: u.display_name, "last_name"),
    Column("email", "Email", 30, lambda u: u.email, "email"),
    Column("employee_id", "Emp ID", 8, lambda u: u.employee_id or "", "employee_id"),
    Column("department", "Department", 16, lambda u: u.department or "", "department"),
    Column("title", "Title", 22, lambda u: u.title or "", "title"),
    Column("location", "Location", 15, lambda u: u.location or "", "location"),
    Column("status", "Status", 8, lambda u: u.status, "status"),
    Column("roles", "Admin roles", 19, lambda u: ", ".join(u.roles), "roles"),
    Column("training", "Training", 10, training_summary, None),
)
GUTTER = 2  # the mark column
TABLE_WIDTH = GUTTER + sum(c.width + 1 for c in COLUMNS)
_PageKey = tuple[tuple[str | None, str, str, int], int]


def _column_x(index: int) -> int:
    return GUTTER + sum(c.width + 1 for c in COLUMNS[:index])


class RosterTable(ScrollView, can_focus=True):
    """Users of a :class:`RosterQuery`, ``PAGE_SIZE`` at a time, with a row/column cursor and marks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("left", "cursor_left", "Left column", show=False),
        Binding("right", "cursor_right", "Right column", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,g", "first", "First row", show=False),
        Binding("end,G", "last", "Last row", show=False),
        Binding("enter", "open", "Open profile"),
        Binding("space", "toggle_mark", "Mark"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "roster-table--header",
        "roster-table--cursor",
        "roster-table--cursor-cell",
        "roster-table--marked",
        "roster-table--placeholder",
        "roster-table--inactive",
    }

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
        self._generation = 0
        self._pages: OrderedDict[_PageKey, list[User]] = OrderedDict()
        self._loading: set[_PageKey] = set()
        self._totals: dict[tuple[str | None, str, str, int], int] = {}
        self.virtual_size = Size(TABLE_WIDTH, 1)

    # -- data ----------------------------------------------------------------------------------

    @property
    def _key(self) -> tuple[str | None, str, str, int]:
        q = self.query_in_effect
        return (q.scim_filter(), q.sort_by, q.sort_order, self._generation)

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

    def user_at(self, row: int) -> User | None:
        page = self._pages.get((self._key, row // PAGE_SIZE))
        if page is None or row % PAGE_SIZE >= len(page):
            return None
        return page[row % PAGE_SIZE]

    @property
    def cursor_user(self) -> User | None:
        return self.user_at(self.cursor_row)

    @property
    def body_height(self) -> int:
        return max(1, self.size.height - 1)

    def _wanted_pages(self) -> list[int]:
        first = int(self.scroll_offset.y)
        rows = [first, first + self.body_height, self.cursor_row]
        pages = sorted({r // PAGE_SIZE for r in rows})
        if self.total is not None:
            last = max(0, (self.total - 1) // PAGE_SIZE)
            pages = [p for p in pages if p <= last]
        return pages

    def _ensure_pages(self) -> None:
        key = self._key
        for page in self._wanted_pages():
            pkey = (key, page)
            if pkey in self._pages:
                self._pages.move_to_end(pkey)
            elif pkey not in self._loading:
                self._loading.add(pkey)
                self.run_worker(self._load_page(pkey), group="roster-pages", exit_on_error=False)

    async def _load_page(self, pkey: _PageKey) -> None:
        (filter_, sort_by, sort_order, _gen), page = pkey
        try:
            if pkey[0] != self._key or page not in self._wanted_pages():
                return  # scrolled past it before it started
            result = await self.client.list_users(
                filter=filter_, sort_by=sort_by, sort_order=sort_order,
                start_index=page * PAGE_SIZE + 1, count=PAGE_SIZE,
            )
        except RosterApiError as exc:
            self.post_message(self.LoadFailed(exc))
            return
        finally:
            self._loading.discard(pkey)
        self._pages[pkey] = [user_from_scim(r) for r in result.resources]
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
        self.post_message(self.Loaded(self.total))
        self._ensure_pages()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ensure_pages()

    def on_resize(self) -> None:
        self._ensure_pages()

    # -- drawing -------------------------------------------------------------------------------

    def _cells(self, values: list[str], base: Style, cursor: Style | None, mark: str) -> list[Segment]:
        segments = [Segment(mark.ljust(GUTTER), base)]
        for i, (column, value) in enumerate(zip(COLUMNS, values, strict=True)):
            text = set_cell_size(value, column.width) + " "
            style = cursor if cursor is not None and i == self.cursor_col else base
            segments.append(Segment(text, style))
        return segments

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("roster-table--header")
            labels = []
            for c in COLUMNS:
                arrow = ""
                if c.sort_field == self.query_in_effect.sort_field:
                    arrow = " ↓" if self.query_in_effect.descending else " ↑"
                labels.append(c.label + arrow)
            strip = Strip(self._cells(labels, style, style + Style(underline=True), ""))
        else:
            strip = self._render_row(scroll_y + y - 1, base)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base).simplify()

    def _render_row(self, row: int, base: Style) -> Strip:
        if self.total is None:
            if row == 0:
                style = base + self.get_component_rich_style("roster-table--placeholder")
                return Strip([Segment(" Loading…", style)])
            return Strip.blank(0)
        if row >= self.total:
            if row == 0:
                text = (" The roster is empty: n adds a user, i imports a CSV file." if
                        self.query_in_effect.is_default else " No users match the query (esc clears it).")
                return Strip([Segment(text, base)])
            return Strip.blank(0)
        user = self.user_at(row)
        is_cursor = row == self.cursor_row and self.has_focus
        if user is None:
            style = base + self.get_component_rich_style("roster-table--placeholder")
            if is_cursor:
                style += self.get_component_rich_style("roster-table--cursor")
            return Strip(self._cells([PLACEHOLDER] * len(COLUMNS), style, None, ""))
        style = base
        if not user.active:
            style += self.get_component_rich_style("roster-table--inactive")
        marked = user.id in self.marked
        if marked:
            style += self.get_component_rich_style("roster-table--marked")
        cursor_cell = None
        if is_cursor:
            style += self.get_component_rich_style("roster-table--cursor")
            cursor_cell = style + self.get_component_rich_style("roster-table--cursor-cell")
        values = [c.value(user) for c in COLUMNS]
        return Strip(self._cells(values, style, cursor_cell, MARK if marked else ""))

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
        x0, x1 = _column_x(self.cursor_col), _column_x(self.cursor_col + 1)
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
