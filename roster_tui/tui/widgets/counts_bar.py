"""The plan's counts per kind as one coloured bar and a legend, read at a glance."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from roster_tui.core.wording import kind_count

KINDS = ("create", "update", "reactivate", "deactivate", "unchanged", "error", "warning")
BLOCK = "█"


class CountsBar(Widget):
    """A bar with a segment per kind (width by share, at least 1 when non-zero), then the coloured counts."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"counts-bar--{k}" for k in KINDS} | {"counts-bar--selected"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: dict[str, int] = {}
        self.selected: str | None = None

    def show(self, counts: dict[str, int], selected: str | None = None) -> None:
        self.counts, self.selected = dict(counts), selected
        self.refresh()

    def render(self) -> RenderableType:
        width = max(10, self.size.width)
        # warnings overlap the other kinds: the bar shows the row kinds, the legend shows all
        bar_kinds = [k for k in KINDS if k != "warning" and self.counts.get(k)]
        total = sum(self.counts.get(k, 0) for k in bar_kinds)
        bar = Text()
        if total:
            widths = {k: max(1, round(width * self.counts[k] / total)) for k in bar_kinds}
            while sum(widths.values()) > width:
                widest = max(widths, key=lambda k: widths[k])
                widths[widest] -= 1
            for k in bar_kinds:
                bar.append(BLOCK * widths[k], self.get_component_rich_style(f"counts-bar--{k}", partial=True))
        else:
            bar.append("(no rows)")
        lines = [Text()]
        for k in KINDS:  # wrap between kinds only, never inside "3 create"
            style = self.get_component_rich_style(f"counts-bar--{k}", partial=True)
            if k == self.selected:
                style += self.get_component_rich_style("counts-bar--selected", partial=True)
            entry = kind_count(self.counts.get(k, 0), k)
            if lines[-1] and len(lines[-1]) + 3 + len(entry) > width:
                lines.append(Text())
            elif lines[-1]:
                lines[-1].append(" · ")
            lines[-1].append(entry, style)
        return Text("\n").join([bar, *lines])
