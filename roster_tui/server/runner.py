"""Run the roster API over HTTP with uvicorn, on a storage and the tokens it accepts."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from roster_tui.server.auth import TokenRegistry
from roster_tui.server.protocol import ConnectionLimits, guarded_protocol
from roster_tui.server.storage.base import Storage

if TYPE_CHECKING:
    import uvicorn

#: Query parameters whose values never reach a log (a client may put a token there; it is never accepted). Names
#: are compared percent-decoded (``%74oken`` is ``token``).
_SECRET_NAME = re.compile(r"(?:access_?token|token|api_?key|key|password|passwd|secret|auth\w*|bearer|jwt|"
                          r"session\w*|sig|signature|credentials?)", re.IGNORECASE)
_PARAMETER = re.compile(r"([?&])([^=&\s]*)=([^&\s]*)")


def redact(text: str) -> str:
    """``text`` with the value of each query parameter whose name (decoded) holds a secret's name blanked."""
    def blank(m: re.Match[str]) -> str:
        secret = _SECRET_NAME.search(unquote(m.group(2)).replace("-", "_"))
        return f"{m.group(1)}{m.group(2)}=***" if secret else m.group(0)

    return _PARAMETER.sub(blank, text)


class RedactSecrets(logging.Filter):
    """Blanks credentials in the query strings the access log prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def default_public_url(host: str, port: int) -> str:
    """The bound address and port, as a client would write them."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def build_server(storage: Storage, tokens: TokenRegistry, host: str, port: int, *, access_log: bool = False,
                 public_url: str | None = None, limits: ConnectionLimits | None = None) -> uvicorn.Server:
    """The service as a uvicorn server, not yet started (:func:`run` runs it; ``roster ssh`` runs it on a socket of
    its own in a thread). Named tokens are looked up in the storage.

    ``public_url``: what every URL the service writes starts with (default: the bound address and port), never
    taken from a client's ``Host``. ``limits``: deadlines for receiving requests and the connection caps.
    """
    import uvicorn

    from roster_tui.server.app import create_app

    lim = limits or ConnectionLimits()
    tokens.lookup = storage.token_access  # type: ignore[attr-defined]
    app = create_app(storage, tokens, public_url=public_url or default_public_url(host, port))
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
    return uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, access_log=access_log, log_level="info" if access_log else "warning",
        loop="uvloop", http=guarded_protocol(lim), limit_concurrency=lim.max_concurrency,
        timeout_keep_alive=int(lim.keep_alive)))


def run(storage: Storage, tokens: TokenRegistry, host: str, port: int, *, access_log: bool = False,
        public_url: str | None = None, limits: ConnectionLimits | None = None) -> None:
    """Serve until stopped (see :func:`build_server`); as ``uvicorn.run``, exit status 3 if it could not start."""
    server = build_server(storage, tokens, host, port, access_log=access_log, public_url=public_url, limits=limits)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise SystemExit(3)
