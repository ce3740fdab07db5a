"""The roster's first rows, on screen as soon as the first page arrives: painted in plain terminal codes while
Textual is still being imported, laid out as the roster screen lays them out (:mod:`roster_tui.tui.roster_layout`).
The console then takes the terminal over and draws its own first frame in the same place.

Nothing here imports Textual. The painting runs in the thread that asked for the page early
(:mod:`roster_tui.scim.early`); :meth:`FirstFrame.hand_over` closes it before Textual starts, and
:meth:`FirstFrame.restore` gives the terminal back when the console never starts. Keys typed in between are not
echoed over the rows; they stay queued for the console.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
from typing import Any

from rich.cells import set_cell_size

from roster_tui.core.scim import user_from_scim
from roster_tui.core.wording import one_line
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.roster_layout import COLUMNS, GUTTER, Layout, Row, fit_widths, widest

ENTER = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"  # the alternate screen, cursor hidden, cleared (as Textual does)
LEAVE = "\x1b[2J\x1b[?25h\x1b[?1049l"
BOLD, DIM, REVERSE, RESET = "\x1b[1m", "\x1b[2m", "\x1b[7m", "\x1b[0m"
#: Lines above the table (counts, source, query) and below it (the footer).
ABOVE, BELOW = 3, 1


def frame_text(body: bytes, columns: int, lines: int, source: str) -> str | None:
    """The terminal codes that draw the roster's chrome and the first rows of a SCIM ListResponse ``body`` on a
    ``columns`` x ``lines`` screen; None when the body is no list of users or the screen is too small."""
    try:
        page: Any = json.loads(body)
        users = [user_from_scim(r) for r in page.get("Resources") or [] if isinstance(r, dict)]
        total = int(page.get("totalResults", len(users)))
    except (ValueError, TypeError, AttributeError):
        return None
    table_lines = lines - ABOVE - BELOW - 1  # less the header
    if columns < 20 or table_lines < 1 or not users:
        return None
    rows = [Row(user) for user in users]
    view = columns - (1 if total > table_lines else 0)  # less the vertical scrollbar
    layout = Layout(fit_widths(view, widest([r.values for r in rows])))
    if layout.width > view:  # the columns scroll sideways: a line for the horizontal scrollbar
        table_lines -= 1
    query = RosterQuery()
    labels = [c.label + (" ↑" if c.sort_field == query.sort_field else "") for c in COLUMNS]

    def line(y: int, text: str, style: str = "") -> str:
        return f"\x1b[{y};1H{style}{set_cell_size(text, columns)}{RESET}"  # cut at the edge, as Textual does

    out = [line(1, " Roster", BOLD), line(2, one_line(f" source: {source}"), DIM),
           line(3, f" Query: {query.describe(True)} · {total:,} shown"),
           line(4, set_cell_size(" " * GUTTER + "".join(layout.cells(labels)), view), BOLD)]
    for i, row in enumerate(rows[:table_lines]):
        text = " " * GUTTER + row.text(layout)
        out.append(line(5 + i, set_cell_size(text, view), REVERSE if i == 0 else ""))
    return "".join(out)


def _write(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data):]


class FirstFrame:
    """Paints the first rows once, from any thread, until the console takes the terminal over."""

    def __init__(self, source: str, out: int = 1, keys: int = 0) -> None:
        self._source, self._out, self._keys = source, out, keys
        self._lock = threading.Lock()
        self._closed = self._painted = False
        self._modes: list[Any] | None = None  # the keyboard's terminal modes before the painting

    @classmethod
    def for_terminal(cls, source: str) -> FirstFrame | None:
        """A painter when the console runs in a terminal that can show it (not for a pipe or TERM=dumb)."""
        if not (os.isatty(0) and os.isatty(1)) or os.environ.get("TERM", "dumb") == "dumb":
            return None
        return cls(source)

    def paint(self, body: bytes) -> None:
        """Draw the first rows of ``body`` (a ListResponse), unless the console has the terminal already."""
        with self._lock:
            if self._closed or self._painted:
                return
            try:
                size = os.get_terminal_size(self._out)
                text = frame_text(body, size.columns, size.lines, self._source)
                if text is None:
                    return
                self._quiet_keys()
                _write(self._out, ENTER + text)
            except OSError:
                return
            self._painted = True
        atexit.register(self.restore)

    def _quiet_keys(self) -> None:
        """Keys typed from now on are neither echoed over the rows nor changed by the terminal's line editing (an
        Enter stays an Enter, ctrl+s does not stop the output): they wait, as typed, for the console, whose own
        modes are the same. ctrl+c still stops the start."""
        import termios  # lazy: POSIX only, and only once there is something to paint

        with contextlib.suppress(termios.error):
            modes = termios.tcgetattr(self._keys)
            quiet = [modes[0] & ~(termios.IXON | termios.IXOFF | termios.ICRNL | termios.INLCR | termios.IGNCR),
                     modes[1], modes[2], modes[3] & ~(termios.ECHO | termios.ICANON | termios.IEXTEN), *modes[4:6],
                     list(modes[6])]
            quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0
            termios.tcsetattr(self._keys, termios.TCSANOW, quiet)
            self._modes = modes

    def _keys_back(self) -> None:
        if self._modes is not None:
            import termios  # lazy: as in _quiet_keys

            with contextlib.suppress(termios.error):
                termios.tcsetattr(self._keys, termios.TCSANOW, self._modes)
            self._modes = None

    def hand_over(self) -> None:
        """The console takes the terminal now: nothing more is painted, and the keyboard's modes are as they were
        (the console keeps them to put back when it exits). The console clears and redraws the screen."""
        with self._lock:
            self._closed = True
            self._keys_back()
            self._painted = False

    def restore(self) -> None:
        """Give the terminal back as it was, when the console did not start (an error, ctrl+c)."""
        with self._lock:
            self._closed = True
            self._keys_back()
            if self._painted:
                self._painted = False
                with contextlib.suppress(OSError):
                    _write(self._out, LEAVE)
