"""The roster table's drawing helpers: a row of runs fitted to the view with the frozen columns, and the
scrollbar thumb test (the columns themselves: :mod:`roster_tui.tui.roster_layout`)."""

from __future__ import annotations

from math import ceil

from rich.segment import Segment
from rich.style import Style
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from roster_tui.tui.roster_layout import Layout


def fit(runs: list[tuple[str, Style]], layout: Layout, scroll_x: int, width: int, base: Style) -> Strip:
    """Runs of text across the table, from x=0, as a line ``width`` cells wide: the frozen columns, then the
    others from ``scroll_x`` on, padded with ``base``. One Strip, no further copies when nothing is scrolled."""
    length = layout.width
    if scroll_x == 0 and length <= width:
        if length < width:
            if runs and runs[-1][1] == base:
                runs[-1] = (runs[-1][0] + " " * (width - length), base)
            else:
                runs.append((" " * (width - length), base))
        return Strip([Segment(text, style) for text, style in runs if text], width)
    strip = Strip([Segment(text, style) for text, style in runs if text], length)
    if scroll_x > 0:
        frozen = min(layout.frozen, width)
        strip = Strip.join([strip.crop(0, frozen), strip.crop(frozen + scroll_x, scroll_x + width)])
    else:
        strip = strip.crop(0, width)
    return strip.extend_cell_length(width, base).simplify()


def thumb(bar: ScrollBar, position: float) -> object:
    """What ``bar`` draws at ``position``: equal for two positions when the thumb covers the same cells."""
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    return bar.renderer.render_bar(
        size=bar.size.height,
        virtual_size=ceil(bar.window_virtual_size),
        window_size=ceil(window),
        position=bar.validate_position(position),
    ).segments
