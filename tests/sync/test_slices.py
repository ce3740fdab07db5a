"""CPU work in slices on the event loop: everything is fed once, in order, and the loop runs in between."""

from __future__ import annotations

import asyncio

from roster_tui.heap import gc_paused
from roster_tui.sync import slices
from roster_tui.sync.slices import run_in_slices


async def test_feeds_everything_in_order_and_lets_other_tasks_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(slices, "SLICE_SECONDS", 0.0)  # return to the loop after every batch
    ticks = 0

    async def other() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    seen: list[int] = []
    progress: list[int] = []
    task = asyncio.ensure_future(other())
    fed = await run_in_slices(iter(range(1000)), seen.extend, progress=progress.append)
    task.cancel()
    assert seen == list(range(1000)) and fed == 1000
    assert ticks >= 1000 // slices.BATCH  # the other task ran between the slices
    assert progress == sorted(progress) and progress[-1] == 1000


async def test_stops_at_the_limit_or_when_told_and_leaves_the_rest(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(slices, "SLICE_SECONDS", 0.0)
    items = iter(range(1000))
    got: list[int] = []
    assert await run_in_slices(items, got.extend, limit=300) == 300
    assert got == list(range(300)) and next(items) == 300
    done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    fed = await run_in_slices(items, got.extend, until=done)
    assert fed == slices.BATCH  # one slice, then it sees that it is told to stop
    assert got[300:] == list(range(301, 301 + fed))


def test_gc_paused_restores_the_collector() -> None:
    import gc

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        kept = [[n] for n in range(1000)]  # long-lived objects made meanwhile
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)  # frozen: collections need not walk them again
    gc.unfreeze()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
