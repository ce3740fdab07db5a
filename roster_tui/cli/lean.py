"""What the ``roster`` command leaves out of its start: httpx's own command line.

``import httpx`` imports ``httpx._main`` to offer ``httpx.main`` (the ``httpx`` command), and with it click,
pygments and rich's progress and syntax modules: about 40 ms of the console's start (benchmarks/startup.py), for a
function roster never calls. :func:`defer_httpx_cli`, run before httpx is imported, puts a stand-in there whose
``main`` imports the real one when called.
"""

from __future__ import annotations

import sys
import types

CLI = "httpx._main"


def _real_main(*args: object, **kwargs: object) -> object:
    """httpx's ``main``, imported now (the stand-in made way for it)."""
    if getattr(sys.modules.get(CLI), "__roster_stand_in__", False):
        del sys.modules[CLI]
    from httpx._main import main  # lazy: the point of the stand-in

    return main(*args, **kwargs)


def defer_httpx_cli() -> None:
    """Put the stand-in for ``httpx._main`` in place, unless httpx (or its command line) is imported already."""
    if "httpx" in sys.modules or CLI in sys.modules:
        return
    stand_in = types.ModuleType(CLI, "httpx's command line, imported when its main is called (roster_tui.cli.lean)")
    stand_in.main = _real_main  # type: ignore[attr-defined]
    stand_in.__roster_stand_in__ = True  # type: ignore[attr-defined]
    sys.modules[CLI] = stand_in
