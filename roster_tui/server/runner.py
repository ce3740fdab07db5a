"""Run the roster API over HTTP with uvicorn, on a storage and the tokens it accepts."""

from __future__ import annotations

import logging
import re

from roster_tui.server.auth import TokenRegistry
from roster_tui.server.storage.base import Storage

#: Connections served at once (more wait in the kernel's queue), and seconds an idle keep-alive connection lasts.
MAX_CONNECTIONS = 256
KEEP_ALIVE_SECONDS = 5
#: Query parameters whose values never reach a log (a client may put a token there; it is never accepted).
_SECRET = re.compile(r"((?:access_?token|token|api_?key|key|password|secret|auth\w*)=)[^&\s]*", re.IGNORECASE)


class RedactSecrets(logging.Filter):
    """Blanks credentials in the query strings the access log prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_SECRET.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def run(storage: Storage, tokens: TokenRegistry, host: str, port: int, *, access_log: bool = False) -> None:
    """Serve until stopped; named tokens are looked up in the storage."""
    import uvicorn

    from roster_tui.server.app import create_app

    tokens.lookup = storage.token_name  # type: ignore[attr-defined]
    app = create_app(storage, tokens)
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info" if access_log else "warning",
                loop="uvloop", http="httptools", limit_concurrency=MAX_CONNECTIONS,
                timeout_keep_alive=KEEP_ALIVE_SECONDS)
