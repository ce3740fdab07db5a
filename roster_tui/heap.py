"""Keeping long-lived objects out of the garbage collector's scans: every ``gc`` call of roster-tui is here.

Why: a full collection walks every tracked object. With the embedded service loaded that took 90-190 ms on a
2-core machine, every few seconds of scrolling the roster (the slowest key presses were those), and building an
import plan allocates about ten objects per row that all stay alive: the collector would walk them at every
full collection meanwhile, and the first collection after would walk every one of them once more (a third of
a second at 100,000 rows). Frozen objects (``gc.freeze``) are still freed by reference counting as usual; only
reference cycles among them wait until they are released.

Who calls what: the command line imports its modules inside :func:`collection_paused` (at start, only what stays
alive is allocated: a collection would walk it all for nothing); the sync engine builds plans inside
:func:`gc_paused`; the console freezes once the roster's first rows are up and again when the roster is back on
screen (:func:`freeze`), freezes the import wizard's plan once built (``more=True``), releases it when the wizard
ends (:func:`release`), and releases everything when it closes (``release(final=True)``). A command-line run just
exits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

_frozen = False  # freeze() froze the heap (since the last final release)


@contextmanager
def collection_paused(freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside (the start's imports); with ``freeze``, what is alive at the end is
    frozen (``gc.freeze``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def gc_paused() -> AbstractContextManager[None]:
    """No cyclic garbage collection inside, and what is alive at the end is frozen (``gc.freeze``)."""
    return collection_paused(freeze=True)


def freeze(*, more: bool = False) -> None:
    """Keep what is alive now (modules, the service, the roster's pages) out of the collector's scans.

    Nothing happens when the heap is frozen already, unless ``more``: then what was allocated since the last
    freeze is frozen too. When the heap was released since this last froze it, its garbage is collected once
    first (else it would stay frozen).
    """
    global _frozen
    if gc.get_freeze_count() and not more:
        return
    if _frozen and not gc.get_freeze_count():
        gc.collect()
    gc.freeze()
    _frozen = True


def release(*, final: bool = False) -> None:
    """Hand the frozen objects back to the collector (the import wizard ended: its plan is garbage now).

    ``final``: the console closes; only when :func:`freeze` froze something, and the next freeze starts afresh.
    """
    global _frozen
    if final:
        if not _frozen:
            return
        _frozen = False
    gc.unfreeze()
