"""One writer thread per process that commits concurrent writes together (group commit).

SQLite takes one writer at a time and a commit costs more than the insert it seals, so requests that arrive
together are run one after another in one transaction, each in its own savepoint, and committed once. A
request's answer is sent only after that commit. A job that meets a database fault (a lost connection, a
busy or full database) fails the whole transaction: every job of it gets that answer, as none was kept.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from roster_tui.server.storage.base import Storage, Writer
from roster_tui.server.storage.errors import DatabaseFault

#: (actor, fn, args, future, loop, alone, change)
Job = tuple[str, Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]", asyncio.AbstractEventLoop, bool,
            int | None]


class WriteQueue:
    """Runs ``fn(writer, *args)`` jobs on a dedicated thread, up to ``batch`` per transaction."""

    def __init__(self, storage: Storage, batch: int = 64) -> None:
        self.storage = storage
        self.batch = batch
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="roster-writer", daemon=True)
        self._thread.start()

    async def submit(self, actor: str, fn: Callable[..., Any], *args: Any, alone: bool = False,
                     change: int | None = None) -> Any:
        """Run ``fn(writer, *args)`` in the writer thread. ``alone``: in a transaction of its own, without
        the per-job savepoint (for /Bulk, which keeps a savepoint per operation; an outer one makes
        SQLite keep undo data for the whole request and slows every operation after it). ``change``: the
        recorded change its writes belong to."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((actor, fn, args, future, loop, alone, change))
        return await future

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            if first[5]:
                self._commit_alone(first)
                continue
            jobs = [first]
            while len(jobs) < self.batch:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None or job[5]:
                    self._commit(jobs)
                    jobs = []
                    if job is None:
                        self._jobs.put(None)
                    else:
                        self._commit_alone(job)
                    break
                jobs.append(job)
            if jobs:
                self._commit(jobs)

    def _commit_alone(self, job: Job) -> None:
        actor, fn, args, future, loop, _alone, change = job
        try:
            with self.storage.write(actor) as writer:
                writer.change = change  # type: ignore[attr-defined]
                answer = (future, True, fn(writer, *args))
        except Exception as exc:  # rolled back whole
            answer = (future, False, exc)
        if not loop.is_closed():
            loop.call_soon_threadsafe(_resolve, [answer])

    def _commit(self, jobs: list[Job]) -> None:
        results: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            with self.storage.write(jobs[0][0]) as writer:
                for actor, fn, args, future, _loop, _alone, change in jobs:
                    results.append((future, *self._one(writer, actor, change, fn, args)))
        except Exception as exc:  # the database failed (or the commit did): nobody's change was kept
            results = [(future, False, exc) for _a, _f, _args, future, _loop, _alone, _change in jobs]
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
        for (future, ok, value), job in zip(results, jobs, strict=True):
            by_loop.setdefault(job[4], []).append((future, ok, value))
        for loop, answers in by_loop.items():  # one wake-up per event loop, not one per request
            if not loop.is_closed():
                loop.call_soon_threadsafe(_resolve, answers)

    @staticmethod
    def _one(writer: Writer, actor: str, change: int | None, fn: Callable[..., Any],
             args: tuple[Any, ...]) -> tuple[bool, Any]:
        writer.actor = actor  # type: ignore[attr-defined]
        writer.change = change  # type: ignore[attr-defined]
        try:
            with writer.savepoint():
                return True, fn(writer, *args)
        except DatabaseFault:  # the transaction is lost (or cannot go on): every job of it fails with this
            raise
        except Exception as exc:
            return False, exc


def _resolve(answers: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in answers:
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
