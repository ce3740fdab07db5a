"""Requests sent before a client exists: the console's first ones go out in a thread as it starts, and their answers
are there once Textual and the screens are imported (benchmarks/startup.py). :class:`RosterClient
<roster_tui.scim.client.RosterClient>` takes each answer once, in place of sending its request.

Only a 200 with a body is kept. Anything else (an error status, no connection, a timeout) leaves the request to the
client, which sends it itself with its retries and errors, as if it had not been asked early. Answers are kept for
:data:`FRESH_FOR` seconds, and dropped when the client writes. The thread uses the standard library only (no import
can race the main thread's), over one connection; httpx makes the TLS context, which the client then uses too (it
is the one httpx would make: loading the CA file takes a few dozen milliseconds, in its own thread). With a proxy
in the environment nothing is sent early: httpx would go through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, InvalidStateError
from ssl import SSLContext

SCIM_JSON = "application/scim+json"
#: Seconds an early answer may be used after it was asked for; after that the client asks again.
FRESH_FOR = 10.0
#: Seconds the client waits for the TLS context being made before it makes its own.
TLS_WAIT = 2.0
CONNECT_TIMEOUT, TIMEOUT = 10.0, 30.0  # seconds, as the client's (connecting, then each read)

Params = Mapping[str, object]
Key = tuple[str, tuple[tuple[str, str], ...]]


def request_key(path: str, params: Params | None) -> Key:
    """What identifies a GET: its path under the base URL and its parameters (None ones left out, as sent)."""
    return path.strip("/"), tuple(sorted((k, str(v)) for k, v in (params or {}).items() if v is not None))


def _settle(future: Future[object], value: object) -> None:
    with contextlib.suppress(InvalidStateError):  # settled already, or the caller gave up on it
        future.set_result(value)


class EarlyRequests:
    """GET ``requests`` (path, params) sent in order in a thread; their bodies for :meth:`answer`, each once."""

    def __init__(self, base_url: str, token: str | None, requests: Sequence[tuple[str, Params]],
                 on_first: Callable[[bytes], None] | None = None) -> None:
        self._url = urllib.parse.urlsplit(base_url.rstrip("/"))
        self._headers = {"Accept": SCIM_JSON, **({"Authorization": f"Bearer {token}"} if token else {})}
        # the thread settles every future of this list; the client pops them from the dict as it takes them
        self._requests: list[tuple[Key, Params, Future[bytes | None]]] = [
            (request_key(path, params), params, Future()) for path, params in requests]
        self._answers = {key: future for key, _, future in self._requests}
        self._asked = time.monotonic()
        self.tls: Future[SSLContext | None] = Future()
        self._on_first = on_first  # given the first request's answer, in the thread, as it arrives

    def __repr__(self) -> str:  # never show the token
        return f"EarlyRequests({self._url.geturl()!r}, {len(self._answers)} requests)"

    @classmethod
    def start(cls, base_url: str, token: str | None, requests: Sequence[tuple[str, Params]],
              on_first: Callable[[bytes], None] | None = None) -> EarlyRequests | None:
        """Send ``requests`` now, in a thread; None when they cannot go the way the client would send them (not
        http(s), or a proxy set in the environment). ``on_first`` gets the first one's answer (a 200's body) in
        that thread, as soon as it arrives (the console paints its first rows with it)."""
        early = cls(base_url, token, requests, on_first)
        proxied = {"http", "https", "all"} & {k.lower() for k in urllib.request.getproxies()}
        if early._url.scheme not in ("http", "https") or not early._url.hostname or proxied:
            return None
        threading.Thread(target=early._send, name="roster-early", daemon=True).start()
        # httpx, and certifi that its TLS context reads, are imported once the first request is on its way (a
        # few dozen milliseconds sooner), and here in the main thread, not in the TLS thread
        import certifi  # noqa: F401
        import httpx

        threading.Thread(target=early._make_tls, args=(httpx.create_ssl_context,), name="roster-early-tls",
                         daemon=True).start()
        return early

    def _make_tls(self, create: Callable[[], SSLContext]) -> None:
        try:
            _settle(self.tls, create())
        except Exception:  # the client makes its own, and says what is wrong
            _settle(self.tls, None)

    def tls_context(self) -> SSLContext | None:
        """The TLS context made for the client, once it is ready (None: the client makes its own)."""
        try:  # under way since the start: waiting for it costs less than making another
            return self.tls.result(timeout=TLS_WAIT)
        except TimeoutError:
            return None

    def _connect(self) -> http.client.HTTPConnection | None:
        url = self._url
        if url.scheme == "http":
            connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=CONNECT_TIMEOUT)
        elif (context := self.tls.result()) is not None:
            connection = http.client.HTTPSConnection(url.hostname or "", url.port, timeout=CONNECT_TIMEOUT,
                                                     context=context)
        else:
            return None
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(TIMEOUT)
        return connection

    def _send(self) -> None:
        try:
            connection = self._connect()
            if connection is None:
                return
            try:
                for key, params, future in self._requests:
                    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
                    connection.request("GET", f"{self._url.path}/{key[0]}" + (f"?{query}" if query else ""),
                                       headers=self._headers)
                    response = connection.getresponse()
                    body = response.read()
                    answer = body if response.status == 200 and body else None
                    _settle(future, answer)
                    if answer is not None and self._on_first is not None:
                        self._on_first(answer)
                    self._on_first = None
            finally:
                connection.close()
        except Exception:  # (OSError, HTTPException...) the client sends what is left itself
            pass
        finally:
            for _, _, left in self._requests:
                _settle(left, None)

    def drop(self) -> None:
        """Forget the answers not taken yet (the client wrote: they may be out of date)."""
        self._answers.clear()

    async def answer(self, path: str, params: Params | None) -> bytes | None:
        """The early answer to GET ``path`` with ``params`` (once), or None: the caller sends the request itself."""
        future = self._answers.pop(request_key(path, params), None)
        if future is None or time.monotonic() - self._asked > FRESH_FOR:
            return None
        return future.result() if future.done() else await asyncio.wrap_future(future)
