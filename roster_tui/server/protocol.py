"""uvicorn's HTTP protocol with deadlines for reading a request and a cap on open connections (slowloris).

uvicorn times out an idle keep-alive connection but not one that is slowly sending a request: a client that sends
one header line every few seconds holds a connection, and a worker's attention, for as long as it likes, before
any authentication. Here a request's headers must arrive within ``header_timeout`` of the connection being made
(or of the previous response), its body within ``body_timeout`` of the headers, and neither may stall for more
than ``idle_timeout``; past a deadline the server answers 408 and closes the connection. Connections beyond
``max_open`` are closed as soon as they are made.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: 38\r\n\r\nthe request was not sent in time; bye\n")


@dataclass(frozen=True)
class ConnectionLimits:
    """Deadlines (seconds) for receiving a request, and how many connections are served."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    idle_timeout: float = 10.0
    keep_alive: float = 5.0
    #: Connections whose requests are answered at once; more get 503 (uvicorn's ``limit_concurrency``).
    max_concurrency: int = 256
    #: Connections kept open at all; more are closed on arrival.
    max_open: int = 512


def guarded_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """The protocol class ``uvicorn.run(http=...)`` takes, enforcing ``limits``."""

    class Guarded(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None
        _stall: asyncio.TimerHandle | None = None
        _reading = False  # a request has begun and its body has not all arrived

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_open:
                transport.abort()  # over the cap: closed without a word, before reading anything
                return
            self._arm(limits.header_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._reading:  # bytes arrived: the silence is over
                self._restart_stall()
            super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._reading = True
            if self._deadline is None:  # (armed when the connection was made, or the last response sent)
                self._arm(limits.header_timeout)
            self._restart_stall()

        def on_headers_complete(self) -> None:
            self._arm(limits.body_timeout)
            self._restart_stall()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._reading = False
            self._disarm()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():  # the next request's headers, from now (idle: keep_alive)
                self._arm(limits.header_timeout)

        def _arm(self, seconds: float) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self.loop.call_later(seconds, self._too_late)

        def _restart_stall(self) -> None:
            if self._stall is not None:
                self._stall.cancel()
            self._stall = self.loop.call_later(limits.idle_timeout, self._too_late)

        def _disarm(self) -> None:
            for timer in (self._deadline, self._stall):
                if timer is not None:
                    timer.cancel()
            self._deadline = self._stall = None

        def _too_late(self) -> None:
            self._disarm()
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_complete and not self._reading:
                return  # the request is in; the service is answering it
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(_TIMEOUT)
            self.transport.close()
            if self.cycle is not None:
                self.cycle.disconnected = True
                self.cycle.message_event.set()

    return Guarded
