"""The roster table's lines: each drawn from the rows loaded, the cursor, the marks and the horizontal scroll
(the mark and Name columns frozen at the left), and kept for reuse until one of them changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.scroll_view import ScrollView
from textual.strip import Strip

from roster_tui.core.models import User
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.roster_layout import COLUMNS, GUTTER, Layout, Row
from roster_tui.tui.widgets.roster_columns import fit

MAX_LINES = 256  # drawn lines kept for reuse (a few screens)
MARK = "●"

if TYPE_CHECKING:
    _View = ScrollView
else:
    _View = object


class RosterLines(_View):
    """The drawing half of :class:`~roster_tui.tui.widgets.roster_table.RosterTable` (a mixin of it, before
    ``ScrollView`` in its bases, which holds the rows, the cursor and the marks)."""

    column_layout: Layout
    query_in_effect: RosterQuery
    total: int | None
    cursor_row: int
    cursor_col: int
    marked: dict[str, User]
    load_error: str | None
    sortable: bool
    _row_styles: dict[tuple[bool, bool, bool, bool], tuple[Style, Style | None]]
    _lines: dict[int, tuple[tuple[object, ...], Row | None, Strip]]
    _lines_frame: tuple[object, ...]

    def _entry(self, row: int) -> Row | None:
        raise NotImplementedError

    # -- drawing -------------------------------------------------------------------------------
    #
    # A line is kept as the Strip it was drawn as (one segment per style run, already cropped and padded to the
    # widget) until its user, the cursor, a mark, focus, the width, the columns' widths, the horizontal scroll or the
    # CSS change: scrolling by a line draws one new line, moving the cursor two.

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

    def _fit(self, runs: list[tuple[str, Style]]) -> Strip:
        """Runs of text across the table as a line of the widget: frozen columns, the others scrolled."""
        return fit(runs, self.column_layout, int(self.scroll_offset.x), self.size.width, self._style()[0])

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
        entry = self._entry(row)
        user = None if entry is None else entry.user
        cursor = self.cursor_col if row == self.cursor_row and self.has_focus else None
        if user is None:
            return ("placeholder", cursor is not None)
        # id(user) stays unique while the line is cached: the cache holds the user too
        return (id(user), cursor, user.id in self.marked)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        frame = (int(scroll_x), self.size.width, self.column_layout)
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
        self._lines[row] = (state, self._entry(row) if row >= 0 else None, strip)
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
        return self._fit(self._cell_runs(self.column_layout.cells(labels), style, style + Style(underline=True), ""))

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
            return self._fit(self._cell_runs(self.column_layout.placeholder_cells, style, None, ""))
        user = entry.user
        marked = user.id in self.marked
        mark = MARK if marked else ""
        style, cursor_cell = self._style(inactive=not user.active, marked=marked, cursor=is_cursor)
        if cursor_cell is None:
            return self._fit([(mark.ljust(GUTTER) + entry.text(self.column_layout), style)])
        return self._fit(self._cell_runs(self.column_layout.cells(entry.values), style, cursor_cell, mark))

    def on_focus(self) -> None:
        self.refresh_line(self.cursor_row + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor_row + 1)
