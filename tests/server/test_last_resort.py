"""An error nothing else answers (a bug) is a 500 SCIM error that says nothing of the cause, and the app does not
raise it again: the server keeps the client's connection (uvicorn resets one when the app raises)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from roster_tui.server.app import create_app
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.storage.sql import SqlStorage


class Broken(SqlStorage):
    """A storage with a bug in one read."""

    def get(self, id: str) -> Any:
        raise RuntimeError(f"a bug that names a secret: {id}")


def test_an_unexpected_error_is_a_500_and_the_app_does_not_raise(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    storage = Broken(str(tmp_path / "r.db"))
    tokens = TokenRegistry()
    tokens.add("test", "t" * 40)
    app = create_app(storage, tokens, public_url="http://roster.example:8000")

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # raises what the app raises
        async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as client:
            return await client.get("/scim/v2/Users/s3cr3t", headers={"Authorization": "Bearer " + "t" * 40})

    try:
        with caplog.at_level(logging.ERROR, "roster.server"):
            response = asyncio.run(call())
    finally:
        app.state.writes.close()
        storage.close()
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error; the service log has the details"
    assert "s3cr3t" not in response.text and "RuntimeError" not in response.text
    assert "RuntimeError" in caplog.text  # the log has the details
