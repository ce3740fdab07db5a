"""The service dies and comes back under a running console: a banner, retries, recovery, no restart."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from urllib.parse import urlsplit

from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import create_app
from roster_tui.tui.widgets.roster_table import RosterTable
from roster_tui.tui.widgets.status import Banner
from tests.conftest import start_server, stop_server

from .conftest import settle, wait_for


async def test_console_recovers_when_the_service_restarts(tmp_path: Path) -> None:
    server = start_server(tmp_path / "a")
    async with RosterClient(server.url, server.token) as api:
        for i in range(3):
            await api.create_user({"userName": f"r{i}@restart.example", "name": {"givenName": "R",
                                   "familyName": f"Restart{i}"}})
    client = RosterClient(server.url, server.token, max_retries=1, backoff=0.1)
    app = create_app(client, source=server.url)
    restarted = None
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(RosterTable)
            assert table.total == 3
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait()
            await pilot.press("r")
            banner = app.screen.query_one(Banner)
            await wait_for(pilot, lambda: "Connection lost" in str(banner.render()), timeout=20)
            assert app.is_running  # no traceback, no exit
            port = urlsplit(server.url).port
            restarted = start_server(tmp_path / "b", db=server.db, port=port)
            await wait_for(pilot, lambda: not str(banner.render()).strip() and table.total == 3, timeout=30)
    finally:
        await client.aclose()
        if restarted:
            stop_server(restarted)
