"""Background work that cannot fail unseen: :class:`Tasks` runs it, and one handler shows its failures.

A worker run with ``exit_on_error=False`` that raises just stops, and Textual posts ``Worker.StateChanged`` to
the node that ran it (the message does not bubble): with no handler there, nothing is shown. Every screen and
widget of the console runs its workers with :meth:`Tasks.run_task`, and :meth:`Tasks.on_worker_state_changed`
tells the admin (a notification) and writes the traceback to the log; the console goes on. Errors a task
expects (the service refusing, a file that cannot be read) are handled inside the task, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.worker import Worker, WorkerState

from roster_tui.paths import console_log_file

if TYPE_CHECKING:
    from textual.widget import Widget

    _Node = Widget
else:
    _Node = object

T = TypeVar("T")
log = logging.getLogger("roster_tui.tui")


def failure_message(error: BaseException) -> str:
    """What the admin is told when a task failed unexpectedly."""
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return f"Something went wrong: {what}; the console goes on (details in {console_log_file()})"


class Tasks(_Node):
    """A mixin for screens and widgets (before the Textual class in the bases): ``run_task`` and its failures."""

    def run_task(self, work: Callable[[], T] | Awaitable[T], *, group: str, exclusive: bool = False,
                 thread: bool = False) -> Worker[T]:
        """Run ``work`` (a coroutine, or a function when ``thread``) in a worker whose failure the admin sees."""
        return self.run_worker(work, group=group, exclusive=exclusive, thread=thread, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker: Worker[Any] = event.worker
        error = worker.error or RuntimeError("no error recorded")
        log.error("task %r of %s failed", worker.group, self, exc_info=error)
        self.log.error(f"task {worker.group!r} of {self} failed", error)
        self.notify(failure_message(error), severity="error", timeout=10)
