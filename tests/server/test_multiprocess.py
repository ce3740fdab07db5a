"""Several `roster serve` processes on one database stay correct (SQLite file and PostgreSQL)."""

from __future__ import annotations

from functools import partial

from tests.conftest import RunningServer
from tests.server.conftest import at_once, client
from tests.server.helpers import patch, unique, user_body


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
