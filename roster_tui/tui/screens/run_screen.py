"""What a screen that writes (a removal, an undo, a resume, a saved plan) does with its keys while it runs and
once it has finished: ``esc`` stops after the writes in flight, then goes back; ``enter`` goes back when done."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from roster_tui.sync.apply import ApplyResult
from roster_tui.tui.screens.base import ConsoleScreen


class RunScreen(ConsoleScreen[ApplyResult | None]):
    """A screen applying writes: ``result`` fills as they land, ``cancel`` stops them, ``finished`` once done; its
    ``#run-hint`` says what the keys do."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.result = ApplyResult()
        self.cancel = asyncio.Event()
        self.finished = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return self.finished
        return True

    def action_stop_or_close(self) -> None:
        if self.finished:
            self.dismiss(self.result)
        elif not self.cancel.is_set():
            self.cancel.set()
            self.query_one("#run-hint", Static).update("Stopping after the writes in flight…")

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(self.result)
