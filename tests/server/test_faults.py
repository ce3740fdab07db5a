"""Faults a real service meets: a database locked by another writer, a service killed mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from roster_tui.server.storage.sql import SqlStorage
from roster_tui.server.storage.tables import audit
from tests.conftest import start_server, stop_server
from tests.server.helpers import user_body


def test_sqlite_locked_by_another_writer_waits_instead_of_500(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as http:
            assert http.post("/Users", json=user_body()).status_code == 201
            blocker = sqlite3.connect(server.db, isolation_level=None, check_same_thread=False)
            blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            released = threading.Timer(2.0, lambda: blocker.execute("COMMIT"))
            released.start()
            started = time.monotonic()
            response = http.post("/Users", json=user_body())
            waited = time.monotonic() - started
            released.join()
            blocker.close()
        assert response.status_code == 201, response.text
        assert waited >= 1.5  # it waited for the lock rather than failing
    finally:
        stop_server(server)


def test_a_lock_held_too_long_is_a_503_the_client_retries(tmp_path: Path) -> None:
    """Past the busy timeout (5 s) the service answers 503 + Retry-After, and RosterClient retries it."""
    import asyncio

    from roster_tui.scim.client import RosterClient

    server = start_server(tmp_path)
    try:
        blocker = sqlite3.connect(server.db, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as http:
            busy = http.post("/Users", json=user_body())
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert "busy" in busy.json()["detail"] and "sqlite" not in busy.text.lower()
        released = threading.Timer(3.0, lambda: blocker.execute("COMMIT"))
        released.start()

        async def create() -> dict:  # type: ignore[type-arg]
            async with RosterClient(server.url, server.token, max_retries=6, backoff=0.2) as client:
                return await client.create_user(user_body())

        assert asyncio.run(create())["id"]
        released.join()
        blocker.close()
    finally:
        stop_server(server)


def test_killed_service_loses_no_acknowledged_write(tmp_path: Path, database: str) -> None:
    """Every create that got a 201 before `kill -9` is there after a restart; nothing is half-written."""
    server = start_server(tmp_path, db=database)
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=5) as http:
            while not stop.is_set():
                body = user_body()
                try:
                    if http.post("/Users", json=body).status_code == 201:
                        acknowledged.append(body["userName"])
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    os.kill(server.process.pid, signal.SIGKILL)
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
