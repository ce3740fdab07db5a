"""Open a client for the configured roster API, or for the embedded in-process service."""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from roster_tui.config import ApiSettings
from roster_tui.scim.client import RosterClient

EMBEDDED_URL = "http://embedded.roster/scim/v2"


@asynccontextmanager
async def open_client(settings: ApiSettings, **client_options: object) -> AsyncIterator[RosterClient]:
    """A client for ``settings``: over HTTP when a URL is set, else in-process (no port opened)."""
    if settings.url:
        async with RosterClient(settings.url, settings.token, **client_options) as client:  # type: ignore[arg-type]
            yield client
        return
    from roster_tui.server.app import create_app
    from roster_tui.server.auth import TokenRegistry, new_token
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(settings.db)
    token = new_token()
    tokens = TokenRegistry()
    tokens.add(f"embedded:{getpass.getuser()}", token)
    app = create_app(storage, tokens)
    transport = httpx.ASGITransport(app=app)
    try:
        async with RosterClient(EMBEDDED_URL, token, transport=transport, **client_options) as client:  # type: ignore[arg-type]
            yield client
    finally:
        app.state.writes.close()
        storage.close()
