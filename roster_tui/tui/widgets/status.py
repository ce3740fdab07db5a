"""Small status widgets: the connection banner and a busy indicator (plain text: messages quote user data)."""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Static

from roster_tui.scim.errors import ConnectionFailed, RosterApiError, ServerError

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def is_transient(error: RosterApiError) -> bool:
    """True for failures worth retrying by themselves: the service unreachable or failing."""
    return isinstance(error, ConnectionFailed | ServerError)


class Banner(Static):
    """A one-line message across the screen (hidden when empty): connection lost, refusals..."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def show(self, text: str, *, kind: str = "error") -> None:
        self.set_classes(f"-{kind}")
        self.update(text)
        self.display = True

    def clear(self) -> None:
        self.update("")
        self.display = False

    def on_mount(self) -> None:
        self.display = False


class Busy(Static):
    """A spinner shown while network work runs; it counts nested starts and stops."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._depth = 0
        self._frame = 0
        self._timer: Timer | None = None

    def start(self) -> None:
        self._depth += 1
        if self._depth == 1:
            self._frame = 0
            self.update(f"{SPINNER[0]} loading", layout=False)
            self._timer = self.set_interval(0.1, self._tick)

    def stop(self) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth == 0:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.update("", layout=False)

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self.update(f"{SPINNER[self._frame]} loading", layout=False)
