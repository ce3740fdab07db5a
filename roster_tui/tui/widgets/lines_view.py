"""A keyboard list that draws only its visible lines: fast with 100,000 rows (issues, plan rows, outcomes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: Kinds with a colour of their own (``lines-view--KIND`` in the stylesheet).
KIND_NAMES = ("create", "update", "reactivate", "deactivate", "unchanged", "error", "warning", "ok",
              "conflict", "failed")


class LinesView(ScrollView, can_focus=True):
    """Rows given by count and a ``render(index) -> Text`` callback, an optional header, and a cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "lines-view--header", "lines-view--cursor", "lines-view--empty", "lines-view--dim",
        *(f"lines-view--{kind}" for kind in KIND_NAMES),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="lines.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="lines.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="lines.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="lines.page_down"),
        Binding("home,g", "jump(0)", "First", show=False, id="lines.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="lines.last"),
    ]

    def __init__(self, *, header: str = "", empty: str = "Nothing to show.", id: str | None = None) -> None:
        super().__init__(id=id)
        self.header = header
        self.empty = empty
        self.count = 0
        self.cursor = 0
        self._render: Callable[[int], Text] = lambda i: Text("")

    def style_for(self, name: str) -> Style:
        """The stylesheet's style of ``lines-view--NAME`` (a kind, or ``dim``)."""
        return self.get_component_rich_style(f"lines-view--{name}", partial=True)

    def set_rows(self, count: int, render: Callable[[int], Text]) -> None:
        """Show ``count`` rows drawn by ``render``; the cursor goes back to the top."""
        self.count, self._render, self.cursor = count, render, 0
        self.virtual_size = Size(self.size.width, count + self._top)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    @property
    def _top(self) -> int:
        return 1 if self.header else 0

    @property
    def body_height(self) -> int:
        return max(1, self.size.height - self._top)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if self.header and y == 0:
            style = base + self.get_component_rich_style("lines-view--header")
            return Strip([Segment(self.header[:width], style)]).extend_cell_length(width, style)
        row = self.scroll_offset.y + y - self._top
        if self.count == 0:
            if row == 0:
                style = base + self.get_component_rich_style("lines-view--empty")
                return Strip([Segment(" " + self.empty, style)]).crop(0, width).extend_cell_length(width, base)
            return Strip.blank(width, base)
        if row >= self.count:
            return Strip.blank(width, base)
        text = self._render(row)
        text.no_wrap, text.overflow = True, "ellipsis"
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        style = base
        if row == self.cursor:
            cursor = self.get_component_rich_style("lines-view--cursor")
            segments = [Segment(s.text, (s.style or base) + cursor) for s in segments if s.text != "\n"]
            style = base + cursor
        else:
            segments = [Segment(s.text, base + s.style if s.style else base) for s in segments if s.text != "\n"]
        return Strip(segments).crop(0, width).extend_cell_length(width, style)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.count + self._top)

    def _show_cursor(self) -> None:
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.body_height:
            self.scroll_to(y=self.cursor - self.body_height + 1, animate=False)
        self.refresh()

    def action_move(self, delta: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + delta))
            self._show_cursor()

    def action_page(self, direction: int) -> None:
        self.action_move(direction * self.body_height)

    def action_jump(self, where: int) -> None:
        if self.count:
            self.cursor = 0 if where == 0 else self.count - 1
            self._show_cursor()
