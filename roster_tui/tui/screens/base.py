"""The base of the console's full screens: the console around them (:class:`Console`) and tasks that fail visibly."""

from __future__ import annotations

from typing import TypeVar, cast

from textual.screen import Screen

from roster_tui.tui.context import Console
from roster_tui.tui.tasks import Tasks

ResultT = TypeVar("ResultT")


class ConsoleScreen(Tasks, Screen[ResultT]):
    """A screen of the console: ``self.console`` is the app as :class:`Console`; ``run_task`` runs workers."""

    @property
    def console(self) -> Console:
        return cast(Console, self.app)
