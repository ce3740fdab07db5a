"""Several `roster serve` processes on one database stay correct (SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, RunningServer, new_postgres_database, start_server, stop_server
from tests.server.helpers import patch, unique, user_body


@pytest.fixture(params=["sqlite", "postgresql"])
def two_servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[RunningServer, RunningServer]]:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)")
    db = new_postgres_database() if request.param == "postgresql" else str(tmp_path / "shared.db")
    first = start_server(tmp_path / "a", db=db)
    second = start_server(tmp_path / "b", db=db)
    yield first, second
    stop_server(first)
    stop_server(second)


def at_once(calls: list) -> list[httpx.Response]:  # type: ignore[type-arg]
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


def test_same_etag_from_two_processes_one_wins_one_412(two_servers: tuple[RunningServer, RunningServer]) -> None:
    a, b = (client(s) for s in two_servers)
    with a, b:
        for round_ in range(5):
            user = a.post("/Users", json=user_body()).json()
            etag = {"If-Match": user["meta"]["version"]}
            results = at_once([
                partial(http.patch, f"/Users/{user['id']}", headers=etag,
                        json=patch({"op": "replace", "path": "title", "value": f"from {name}"}))
                for name, http in (("a", a), ("b", b))])
            assert sorted(r.status_code for r in results) == [200, 412], (round_, [r.text for r in results])
            winner = next(r for r in results if r.status_code == 200).json()
            assert b.get(f"/Users/{user['id']}").json()["title"] == winner["title"]


def test_no_lost_update_without_etags(two_servers: tuple[RunningServer, RunningServer]) -> None:
    a, b = (client(s) for s in two_servers)
    with a, b:
        user = a.post("/Users", json=user_body()).json()
        added = [f"extra{i}.{unique()}@example.com" for i in range(16)]
        results = at_once([
            partial((a if i % 2 else b).patch, f"/Users/{user['id']}",
                    json=patch({"op": "add", "path": "emails", "value": [{"value": email, "type": "other"}]}))
            for i, email in enumerate(added)])
        assert all(r.status_code == 200 for r in results), [r.text for r in results if r.status_code != 200]
        final = a.get(f"/Users/{user['id']}").json()
        assert {e["value"] for e in final["emails"]} >= set(added)
        assert final["meta"]["version"] == f'W/"{1 + len(added)}"'


def test_uniqueness_holds_under_concurrent_creates(two_servers: tuple[RunningServer, RunningServer]) -> None:
    a, b = (client(s) for s in two_servers)
    with a, b:
        for _ in range(5):
            email = f"race.{unique()}@example.com"
            results = at_once([partial(a.post, "/Users", json=user_body(email=email)),
                               partial(b.post, "/Users", json=user_body(email=email.upper()))])
            assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
            assert a.get("/Users", params={"filter": f'userName eq "{email}"'}).json()["totalResults"] == 1
