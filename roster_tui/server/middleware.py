"""ASGI middleware of the roster API: the origin every URL it writes starts with, and a last answer for errors."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from roster_tui.server.errors import INTERNAL, ScimError
from roster_tui.server.http import error_response

log = logging.getLogger("roster.server")
Scope = dict[str, Any]


def check_public_url(url: str) -> str:
    """``url`` (``http(s)://host[:port][/path]``, an ASCII host: IDNA-encoded) without a trailing slash;
    ValueError if it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.netloc.isascii() or parts.query \
            or parts.fragment:
        raise ValueError(f"the public URL must be http(s)://host[:port][/path], not {url!r}")
    return url.rstrip("/")


class PinnedOrigin:
    """The scheme, host and path prefix of the public URL, whatever ``Host`` (or ``X-Forwarded-*``) a client
    sends: ``meta.location``, ``Location`` and redirects are built from the request, so from these."""

    def __init__(self, app: Any, public_url: str) -> None:
        parts = urlsplit(check_public_url(public_url))
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("ascii")
        self.root = parts.path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            headers.append((b"host", self.host))
            scope = {**scope, "scheme": self.scheme, "headers": headers,
                     "root_path": self.root + scope.get("root_path", "")}
        await self.app(scope, receive, send)


class LastResort:
    """An error nothing else answered becomes a 500 SCIM error, logged with its traceback. Unlike Starlette's own
    handler it does not raise it again, so the server keeps the client's connection (a keep-alive connection
    was reset after every 500). Only a response already started is cut short."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unexpected error")
            if started:
                raise
            await error_response(ScimError(500, INTERNAL))(scope, receive, send)
