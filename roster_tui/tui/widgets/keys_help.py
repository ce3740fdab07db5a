"""The help (``?``): every key of the screen, drawn over its right side on a layer of its own.

On its own layer the panel takes no room from the screen's widgets: opening it lays nothing else out again (a
panel beside the roster narrowed the table, which then drew every row again).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static

PALETTE = ("ctrl+p", "Command palette")
KEY_WIDTH = 7
TEXT_WIDTH = 29  # two columns in 80: 2 * (7 + 2 + 29) + 1, with the border and padding
TITLE = "Keys · esc or ? closes"


def help_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for the console's bindings active on ``screen`` (one row per description), then the
    palette."""
    by_title: dict[str, list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.id or not binding.description or binding.action == "close_help":
            continue
        shown = screen.app.get_key_display(binding) if binding.key == key else key
        keys = by_title.setdefault(binding.tooltip or binding.description, [])
        if shown not in keys:
            keys.append(shown)
    return [(" ".join(keys), what) for what, keys in by_title.items()] + [PALETTE]


def help_text(rows: list[tuple[str, str]], height: int) -> str:
    """The rows in as many columns as ``height`` lines need (the title takes two)."""
    per_column = max(1, height - 2)
    cells = [f"{keys[:KEY_WIDTH]:>{KEY_WIDTH}}  {what[:TEXT_WIDTH]:<{TEXT_WIDTH}}" for keys, what in rows]
    columns = [cells[i:i + per_column] for i in range(0, len(cells), per_column)]
    lines = [" ".join(column[n] if n < len(column) else "" for column in columns).rstrip()
             for n in range(len(columns[0]))] if columns else []
    return "\n".join([TITLE, "", *lines])


class KeysHelp(Static):
    """The help panel of one screen; :meth:`show_for` fills it from the bindings in effect and shows it."""

    def __init__(self) -> None:
        super().__init__("", markup=False)
        self._text = ""

    def show_for(self, screen: Screen) -> None:
        text = help_text(help_rows(screen), screen.size.height)
        if text != self._text:
            self._text = text
            self.update(text)
        self.display = True
