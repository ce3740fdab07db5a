"""Clients that hold connections without finishing a request (slowloris): headers must arrive within the header
timeout, a body within the body timeout and without long silences, and connections over the cap are closed at
once, all before any authentication. ``roster serve`` with its defaults, and a private service with small limits.
"""

from __future__ import annotations

import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer, free_port, start_server, stop_server, wait_until_up

#: What docs/RELIABILITY.md states: seconds to send a request's headers, from connecting (or from the end of
#: the previous response).
HEADER_TIMEOUT = 10
REQUEST_LINE = b"GET /scim/v2/Users HTTP/1.1\r\nHost: roster\r\n"


class Sockets:
    """Many client sockets, watched for the server closing them (EOF or reset)."""

    def __init__(self, host: str, port: int, n: int) -> None:
        self.opened = time.monotonic()
        self.socks = [socket.create_connection((host, port)) for _ in range(n)]
        self.received = [b""] * n
        self.closed: dict[int, float] = {}
        self.selector = selectors.DefaultSelector()
        for i, s in enumerate(self.socks):
            s.setblocking(False)
            self.selector.register(s, selectors.EVENT_READ, i)

    def send_all(self, data: bytes) -> None:
        for i, s in enumerate(self.socks):
            if i not in self.closed:
                try:
                    s.send(data)
                except OSError:
                    self._close(i)

    def _close(self, i: int) -> None:
        if i not in self.closed:
            self.closed[i] = time.monotonic() - self.opened
            self.selector.unregister(self.socks[i])

    def poll(self, timeout: float) -> None:
        for key, _events in self.selector.select(timeout):
            i = key.data
            try:
                data = self.socks[i].recv(65536)
            except OSError:
                data = b""
            if data:
                self.received[i] += data
            else:
                self._close(i)

    def is_open(self, i: int) -> bool:
        self.poll(0)
        return i not in self.closed

    def close(self) -> None:
        for s in self.socks:
            s.close()


@pytest.fixture()
def sqlite_server(tmp_path: Path) -> Iterator[RunningServer]:
    server = start_server(tmp_path)
    yield server
    stop_server(server)


def test_headers_sent_a_line_at_a_time_are_cut_at_the_header_timeout(sqlite_server: RunningServer) -> None:
    """200 connections each sending one header line a second (each line resets any idle timer) are all closed
    with a 408 within the header timeout, while other clients are served meanwhile."""
    port = int(sqlite_server.url.split(":")[2].split("/")[0])
    slow = Sockets("127.0.0.1", port, 200)
    try:
        slow.send_all(REQUEST_LINE)
        served = []
        line, deadline = 0, HEADER_TIMEOUT + 5
        while len(slow.closed) < len(slow.socks) and time.monotonic() - slow.opened < deadline:
            slow.poll(0.2)
            if time.monotonic() - slow.opened >= line + 1:
                line += 1
                slow.send_all(f"X-Line-{line}: slow\r\n".encode())
                served.append(httpx.get(f"{sqlite_server.url}/ServiceProviderConfig", timeout=5).status_code)
        assert len(slow.closed) == len(slow.socks), f"{len(slow.socks) - len(slow.closed)} still open"
        assert max(slow.closed.values()) <= HEADER_TIMEOUT + 2, max(slow.closed.values())
        assert all(r.startswith(b"HTTP/1.1 408") for r in slow.received), {r[:20] for r in slow.received}
        assert served and set(served) == {200}
    finally:
        slow.close()
    from roster_tui.server.protocol import ConnectionLimits

    assert ConnectionLimits().header_timeout == HEADER_TIMEOUT  # what roster serve runs with


PRIVATE = """
import sys
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.protocol import ConnectionLimits
from roster_tui.server.runner import run
from roster_tui.server.storage.sql import SqlStorage

tokens = TokenRegistry()
tokens.add("env", "test-token-123")
run(SqlStorage(sys.argv[1]), tokens, "127.0.0.1", int(sys.argv[2]),
    limits=ConnectionLimits(header_timeout=2, body_timeout=3, idle_timeout=1, max_open=20))
"""


@pytest.fixture()
def small_limits(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A service with a 2 s header timeout, a 3 s body timeout, 1 s of silence allowed, and 20 connections."""
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", PRIVATE, str(tmp_path / "r.db"), str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/scim/v2", process)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(10)


def test_a_body_sent_slowly_is_cut_at_the_body_timeout(small_limits: tuple[str, int]) -> None:
    slow = Sockets(*small_limits, 5)
    try:
        slow.send_all(b"POST /scim/v2/Users HTTP/1.1\r\nHost: roster\r\nContent-Type: application/scim+json\r\n"
                      b"Content-Length: 100000\r\n\r\n{")
        sent = 0
        while len(slow.closed) < len(slow.socks) and time.monotonic() - slow.opened < 10:
            slow.poll(0.1)
            if time.monotonic() - slow.opened >= sent * 0.5:  # one byte every half second: never silent for 1 s
                sent += 1
                slow.send_all(b" ")
        assert len(slow.closed) == len(slow.socks)
        assert max(slow.closed.values()) <= 3 + 2
    finally:
        slow.close()


def test_a_silent_connection_is_closed(small_limits: tuple[str, int]) -> None:
    silent = Sockets(*small_limits, 3)
    midway = Sockets(*small_limits, 3)
    try:
        midway.send_all(b"POST /scim/v2/Users HTTP/1.1\r\nHost: roster\r\nContent-Length: 10\r\n\r\n{")
        while (len(silent.closed) < 3 or len(midway.closed) < 3) and time.monotonic() - silent.opened < 10:
            silent.poll(0.1)
            midway.poll(0.1)
        assert max(silent.closed.values()) <= 2 + 2 and max(midway.closed.values()) <= 1 + 2
    finally:
        silent.close()
        midway.close()


def test_connections_over_the_cap_are_closed_at_once(small_limits: tuple[str, int]) -> None:
    held = Sockets(*small_limits, 20)
    try:
        extra = Sockets(*small_limits, 5)
        try:
            while len(extra.closed) < 5 and time.monotonic() - extra.opened < 10:
                extra.poll(0.1)
            assert len(extra.closed) == 5 and extra.received == [b""] * 5  # closed without a word
            assert all(held.is_open(i) for i in range(20))  # while those under the cap are still waiting
        finally:
            extra.close()
        while len(held.closed) < 20 and time.monotonic() - held.opened < 10:
            held.poll(0.1)
        host, port = small_limits
        assert httpx.get(f"http://{host}:{port}/scim/v2/ServiceProviderConfig", timeout=5).status_code == 200
    finally:
        held.close()
