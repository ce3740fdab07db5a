"""The base of the console's full screens: the console around them (:class:`Console`) and tasks that fail visibly."""

from __future__ import annotations

from typing import ClassVar, TypeVar, cast

from textual import events
from textual.screen import Screen

from roster_tui.tui.context import Console
from roster_tui.tui.tasks import Tasks

ResultT = TypeVar("ResultT")


class ConsoleScreen(Tasks, Screen[ResultT]):
    """A screen of the console: ``self.console`` is the app as :class:`Console`; ``run_task`` runs workers.

    ``WRITE_ACTIONS``: the screen's actions that write to the roster. When the service says the token may only
    read (a viewer's, ``Console.access``), they are hidden from the footer, the help and the palette, and their
    keys say why nothing happens (like k9s ``--readonly``); the service refuses such writes anyway.
    """

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    @property
    def console(self) -> Console:
        return cast(Console, self.app)

    @property
    def read_only(self) -> bool:
        access = self.console.access
        return access is not None and not access.writes

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and self.read_only:
            return False
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """A key of a write the role cannot do: say so (the binding is off, so the key reaches here)."""
        access = self.console.access
        if access is None or access.writes:
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.action in self.WRITE_ACTIONS:
                event.stop()
                event.prevent_default()
                self.notify(access.refusal(binding.tooltip or binding.description), severity="warning", timeout=6)
                return
