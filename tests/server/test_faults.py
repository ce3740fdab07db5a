"""Faults a real service meets: a database locked by another writer, a service killed mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from roster_tui.server.storage.sql import SqlStorage
from roster_tui.server.storage.tables import audit
from tests.conftest import start_server, stop_server
from tests.server.helpers import user_body


class Blocker:
    """Another process's write transaction on a SQLite file, committed when ``release`` is called."""

    def __init__(self, db: str) -> None:
        self.conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")
        self.released = threading.Event()

    def release(self) -> None:
        if not self.released.is_set():
            self.conn.execute("COMMIT")
            self.released.set()

    def close(self) -> None:
        self.release()
        self.conn.close()


def test_sqlite_locked_by_another_writer_waits_instead_of_500(tmp_path: Path) -> None:
    """A lock held for 2 s (inside the 5 s busy timeout): the request waits for it and succeeds."""
    server = start_server(tmp_path)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as http:
            assert http.post("/Users", json=user_body()).status_code == 201
            blocker = Blocker(server.db)  # another process holds the write lock
            timer = threading.Timer(2.0, blocker.release)  # the fault: a lock held for 2 s
            timer.start()
            response = http.post("/Users", json=user_body())
            answered_after_release = blocker.released.is_set()
            timer.join()
            blocker.close()
        assert response.status_code == 201, response.text
        assert answered_after_release  # it waited for the lock rather than failing or going around it
    finally:
        stop_server(server)


class Watching(httpx.AsyncHTTPTransport):
    """A transport that records every answer, and releases the lock once ``busy_before_release`` 503s came."""

    def __init__(self, blocker: Blocker, busy_before_release: int) -> None:
        super().__init__()
        self.blocker = blocker
        self.busy_before_release = busy_before_release
        self.seen: list[tuple[int, str | None, bool]] = []  # status, Retry-After, whether the lock was held

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.seen.append((response.status_code, response.headers.get("retry-after"),
                          not self.blocker.released.is_set()))
        if sum(1 for status, _r, _h in self.seen if status == 503) >= self.busy_before_release:
            self.blocker.release()
        return response


@pytest.mark.slow
def test_a_lock_held_too_long_is_a_503_the_client_retries(tmp_path: Path) -> None:
    """Past the busy timeout (5 s) the service answers 503 + Retry-After, and RosterClient retries it: the lock
    is held until the client has been refused twice, so the create succeeds on its third attempt."""
    import asyncio

    from roster_tui.scim.client import RosterClient

    server = start_server(tmp_path)
    blocker = Blocker(server.db)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as http:
            busy = http.post("/Users", json=user_body())
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert "busy" in busy.json()["detail"] and "sqlite" not in busy.text.lower()
        transport = Watching(blocker, busy_before_release=2)

        async def create() -> dict:  # type: ignore[type-arg]
            async with RosterClient(server.url, server.token, max_retries=6, backoff=0.2,
                                    transport=transport) as client:
                return await client.create_user(user_body())

        assert asyncio.run(create())["id"]
        assert transport.seen == [(503, "1", True), (503, "1", True), (201, None, False)]
    finally:
        blocker.close()
        stop_server(server)


def test_killed_service_loses_no_acknowledged_write(tmp_path: Path, database: str) -> None:
    """Every create that got a 201 before `kill -9` is there after a restart; nothing is half-written."""
    server = start_server(tmp_path, db=database)
    acknowledged: list[str] = []
    enough = threading.Event()
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=5) as http:
            while not stop.is_set():
                body = user_body()
                try:
                    if http.post("/Users", json=body).status_code == 201:
                        acknowledged.append(body["userName"])
                        if len(acknowledged) >= 40:
                            enough.set()
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(60), "the writers never got 40 creates through"
    os.kill(server.process.pid, signal.SIGKILL)  # while the four writers are still sending
    stop.set()
    for t in threads:
        t.join()
    server.process.wait()
    assert len(acknowledged) > 10
    restarted = start_server(tmp_path, db=server.db)
    try:
        with httpx.Client(base_url=restarted.url, headers=restarted.headers(), timeout=30) as http:
            total = http.get("/Users", params={"count": 0}).json()["totalResults"]
            assert total >= len(acknowledged)
            for email in acknowledged[-20:]:
                assert http.get("/Users", params={"filter": f'userName eq "{email}"'}).json()["totalResults"] == 1
            if server.db.endswith(".db"):
                with sqlite3.connect(server.db) as conn:
                    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
            storage = SqlStorage(server.db)
            try:
                with storage.read_engine.connect() as conn:
                    audited = conn.execute(select(func.count()).where(audit.c.action == "create")).scalar()
                assert audited == total == storage.list(None, None, False, 0, 0)[0]
            finally:
                storage.close()  # each user, its audit row and the user count were committed together
    finally:
        stop_server(restarted)
