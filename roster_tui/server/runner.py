"""Run the roster API over HTTP with uvicorn, on a storage and the tokens it accepts."""

from __future__ import annotations

from roster_tui.server.auth import TokenRegistry
from roster_tui.server.storage.base import Storage


def run(storage: Storage, tokens: TokenRegistry, host: str, port: int, *, access_log: bool = False) -> None:
    """Serve until stopped; named tokens are looked up in the storage."""
    import uvicorn

    from roster_tui.server.app import create_app

    tokens.lookup = storage.token_name  # type: ignore[attr-defined]
    app = create_app(storage, tokens)
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info" if access_log else "warning",
                loop="uvloop", http="httptools")
