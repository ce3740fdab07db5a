"""CPU-bound work on the event loop in short slices, so network I/O and a UI on the same loop keep going.

A thread would not help: Python threads share one interpreter lock, and a busy worker thread makes the
UI thread wait for it. Slices of a few milliseconds separated by ``await asyncio.sleep(0)`` do.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: Work between two returns to the event loop.
SLICE_SECONDS = 0.0015
#: Items handed to ``consume`` at once (the clock is read between batches).
BATCH = 128


async def run_in_slices(items: Iterator[T], consume: Callable[[list[T]], object], *,
                        until: asyncio.Future[object] | None = None, limit: int | None = None,
                        progress: Callable[[int], object] | None = None) -> int:
    """Feed ``items`` to ``consume`` in batches, returning to the event loop every SLICE_SECONDS.

    Stops early once ``until`` is done or ``limit`` items were fed (``items`` then holds the rest).
    ``progress(count)`` is called after each slice. Returns the number of items fed.
    """
    fed = 0
    while True:
        deadline = time.perf_counter() + SLICE_SECONDS
        while True:
            want = BATCH if limit is None else min(BATCH, limit - fed)
            batch = list(itertools.islice(items, want))
            if batch:
                consume(batch)
                fed += len(batch)
            if len(batch) < want or (limit is not None and fed >= limit):
                if progress is not None:
                    progress(fed)
                return fed
            if time.perf_counter() >= deadline:
                break
        if progress is not None:
            progress(fed)
        await asyncio.sleep(0)
        if until is not None and until.done():
            return fed
