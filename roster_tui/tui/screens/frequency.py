"""The frequency view (VisiData's): the values of one roster attribute with how many users hold each; typing
narrows the list, ``enter`` shows the users of a value on the roster, ``esc`` closes.

Counted by the service when it can (``GET /Users/.values``), else over the first users fetched, and the view says
so. Values are user data: every line is plain text, never markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from roster_tui.core.facets import FACETS
from roster_tui.core.wording import one_line
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.scim.values import ValueCount, ValueCounts, count_values
from roster_tui.tui.tasks import Tasks
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.status import Banner, Busy

VALUE_WIDTH = 34  # cells of a value in a line of the list (fits 80 columns with its count, percent and bar)
BAR_WIDTH = 10


def value_line(value: ValueCount, total: int, most: int) -> str:
    """``value  count  percent  bar``: one line of the list, fitted to its columns."""
    percent = 100 * value.count / total if total else 0.0
    bar = "█" * max(1, round(BAR_WIDTH * value.count / most)) if most and value.count else ""
    return f"{set_cell_size(one_line(value.shown), VALUE_WIDTH)} {value.count:>9,} {percent:5.1f}% {bar}"


def counted_text(counts: ValueCounts, filtered: bool) -> str:
    """What was counted: how many users and values, and when the server did not count them, that it did not."""
    among = "users of the query" if filtered else "users"
    if counts.sampled is not None:
        text = f"counted over the first {counts.sampled:,} {among} (this server does not count values)"
    else:
        text = f"{counts.total_users:,} {among}"
    shown = len(counts.values)
    text += f" · {shown:,} value{'' if shown == 1 else 's'}"
    if counts.more:
        text += f" (the most frequent; {counts.more:,} more not shown)"
    return text


class FrequencyScreen(Tasks, ModalScreen[ValueCount | None]):
    """The values of the roster attribute ``name`` among the users of ``filter``; dismisses with the one chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="frequency.close"),
        Binding("down", "move(1)", "Down", show=False, id="frequency.down"),
        Binding("up", "move(-1)", "Up", show=False, id="frequency.up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="frequency.page_down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="frequency.page_up"),
    ]
    DEFAULT_CSS = """
    FrequencyScreen { align: center middle; }
    #frequency-box {
        width: 100%; max-width: 90; height: 100%; max-height: 34;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #frequency-header { height: 1; }
    #frequency-title { width: 1fr; text-style: bold; }
    #frequency-busy { width: 12; height: 1; color: $text-accent; }
    #frequency-counted { height: auto; color: $text-muted; }
    #frequency-filter { height: 1; border: none; padding: 0 1; margin: 1 0 0 0; }
    #frequency-list { height: 1fr; border: none; padding: 0; }
    #frequency-hint { height: 1; color: $text-muted; }
    """

    def __init__(self, client: RosterClient, name: str, filter: str | None = None) -> None:
        super().__init__(id="frequency")
        self.client, self.facet, self.filter = client, FACETS[name], filter
        self.counts: ValueCounts | None = None
        self.shown: list[ValueCount] = []  # the values the list holds now (narrowed by the text typed)

    def compose(self) -> ComposeResult:
        with Vertical(id="frequency-box"):
            with Horizontal(id="frequency-header"):
                yield Static(f"Values of {self.facet.label.lower()}", id="frequency-title", markup=False)
                yield Busy(id="frequency-busy")
            yield Static("Counting…", id="frequency-counted", markup=False)
            yield Banner(id="frequency-banner")
            yield Input(placeholder="type to narrow the values", id="frequency-filter")
            yield OptionList(id="frequency-list", markup=False)
            yield Static("enter: show these users on the roster · esc: close", id="frequency-hint", markup=False)
        yield KeyFooter()

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#frequency-list", OptionList)

    def on_mount(self) -> None:
        self.query_one("#frequency-filter", Input).focus()
        self.run_task(self._count(), group="values", exclusive=True)

    async def _count(self) -> None:
        busy = self.query_one(Busy)
        busy.start()
        try:
            counts = await count_values(self.client, self.facet.name, self.filter)
        except RosterApiError as exc:
            self.query_one("#frequency-counted", Static).update("Not counted.")
            self.query_one(Banner).show(f"Could not count the values of {self.facet.label.lower()}: {exc.detail}")
            return
        finally:
            busy.stop()
        self.counts = counts
        self._narrow(self.query_one("#frequency-filter", Input).value)

    @on(Input.Changed, "#frequency-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._narrow(event.value)

    def _narrow(self, text: str) -> None:
        """Show the values whose text holds ``text`` (case-insensitively), most frequent first."""
        if self.counts is None:
            return
        wanted = text.strip().casefold()
        self.shown = [v for v in self.counts.values if wanted in v.shown.casefold()]
        total = self.counts.total_users
        most = max((v.count for v in self.counts.values), default=0)
        counted = counted_text(self.counts, self.filter is not None)
        if wanted:
            counted += f" · {len(self.shown):,} match"
        self.query_one("#frequency-counted", Static).update(counted)
        options = self.option_list
        options.clear_options()
        options.add_options([Option(value_line(v, total, most)) for v in self.shown])
        if self.shown:
            options.highlighted = 0

    @property
    def export_name(self) -> str:
        return f"values-{self.facet.name}"  # ctrl+e suggests values-department.csv

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The values listed now (narrowed by what was typed) with their counts and shares (ctrl+e)."""
        total = self.counts.total_users if self.counts is not None else 0
        return [self.facet.label, "Users", "Percent"], [
            [v.shown, str(v.count), f"{100 * v.count / total:.1f}" if total else ""] for v in self.shown]

    def action_move(self, delta: int) -> None:
        options = self.option_list
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    @on(Input.Submitted, "#frequency-filter")
    def _submitted(self) -> None:
        self._choose(self.option_list.highlighted)

    @on(OptionList.OptionSelected, "#frequency-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index])
        elif self.counts is not None:
            self.notify("No value matches what you typed.", severity="warning")

    def action_close(self) -> None:
        self.dismiss(None)
