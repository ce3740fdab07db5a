"""Fixtures for the server tests that need a database of their own, on each backend."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, RunningServer, new_postgres_database, start_server, stop_server


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file path, or a PostgreSQL URL (ROSTER_TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return str(tmp_path / "roster.db")
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)")
    return new_postgres_database()


@pytest.fixture()
def two_servers(database: str, tmp_path: Path) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two ``roster serve`` processes on one fresh database (each backend)."""
    first = start_server(tmp_path / "a", db=database)
    second = start_server(tmp_path / "b", db=database)
    yield first, second
    stop_server(first)
    stop_server(second)


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released together."""
    barrier = threading.Barrier(len(calls))
    out: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        out[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out  # type: ignore[return-value]


def client(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=server.headers(), timeout=60)
