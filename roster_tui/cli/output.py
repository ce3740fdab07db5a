"""How the ``roster`` commands talk: one-line failures (exit 2), colours on a terminal only, a progress bar."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

#: ANSI colours of the plans' kinds (import and removal share them).
COLOURS = {"create": "32", "update": "36", "reactivate": "34", "deactivate": "33", "delete": "31", "error": "31",
           "unchanged": "2", "warning": "33", "ok": "32", "conflict": "33", "failed": "31"}
#: How the service is named when it cannot be used, and what to check.
SERVICE_HELP = ("Check --api or ROSTER_API_URL, and the token: ROSTER_API_TOKEN, --token-file FILE, or "
                "token_file in config.toml")


class Style:
    """Colours text for a terminal; plain when the stream is not one or ``NO_COLOR`` is set."""

    def __init__(self, stream: TextIO) -> None:
        self.on = stream.isatty() and not os.environ.get("NO_COLOR")

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text


def fail(message: str) -> int:
    """Say what went wrong in one line on stderr; the exit code of a command that could not run (2)."""
    print(f"roster: {message}", file=sys.stderr)
    return 2


def show(value: object) -> str:
    return "(blank)" if value in (None, "") else str(value)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """``update(done, total)`` drawing a bar on stderr (when ``enabled``: stderr is a terminal)."""
    def update(done: int, total: int) -> None:
        if enabled and total:
            width = 30
            filled = width * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stderr.flush()

    try:
        yield update
    finally:
        if enabled:
            sys.stderr.write("\n")
