"""``roster`` with no command: the console, on the configured roster API (or the embedded service)."""

from __future__ import annotations

import asyncio
import logging
import os

#: How long (ms) Textual waits after an escape byte for the rest of a key's sequence before it reads ``esc``. Its
#: own default, 100, made esc slow over SSH; the admin's ESCDELAY wins (docs/CONSOLE.md). Textual reads it when
#: imported: set first.
ESCDELAY_MS = "25"
os.environ.setdefault("ESCDELAY", ESCDELAY_MS)

from roster_tui.config import ApiSettings, anomaly_limits, guard_limits, keymap  # noqa: E402
from roster_tui.connect import open_client  # noqa: E402
from roster_tui.files import console_log  # noqa: E402
from roster_tui.scim.early import EarlyRequests  # noqa: E402
from roster_tui.tui.app import create_app  # noqa: E402
from roster_tui.tui.first_frame import FirstFrame  # noqa: E402


def run_console(settings: ApiSettings, early: EarlyRequests | None = None,
                first_frame: FirstFrame | None = None) -> int:
    """Open the configured roster API and run the console until the admin quits; ``early``: its first requests,
    already sent (:mod:`roster_tui.scim.early`); ``first_frame``: what painted the first rows meanwhile, handed
    the terminal back here. What goes wrong unexpectedly is written to the console's log (the console says
    where)."""
    try:
        keys, limits, anomalies = keymap(), guard_limits(), anomaly_limits()
        logging.basicConfig(handlers=[console_log()], level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")

        async def main() -> int:
            async with open_client(settings, early=early) as client:
                app = create_app(client, source=settings.source, keymap=keys, limits=limits,
                                 anomalies=anomalies)
                if first_frame is not None:
                    first_frame.hand_over()
                await app.run_async()
            return 0

        return asyncio.run(main())
    finally:
        if first_frame is not None:  # a console that never started (a bad setting, ctrl+c): the terminal back
            first_frame.restore()
