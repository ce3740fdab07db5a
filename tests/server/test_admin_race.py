"""Two Account Admins removed at once through two `roster serve` processes: one removal is kept, the other is
refused (the last active Account Admin stays), and neither waits on the other in a cycle (PostgreSQL once
deadlocked in 18 of 40 rounds and answered 503). Single requests, /Bulk, and both in one /Bulk; each backend."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import httpx

from roster_tui.core.models import ACCOUNT_ADMIN
from roster_tui.core.scim import BULK_REQUEST
from tests.conftest import RunningServer
from tests.server.conftest import at_once, client
from tests.server.helpers import patch, user_body

ROUNDS = 40
#: Ways to stop being an active Account Admin, and what each answers when it is allowed.
REMOVALS: list[tuple[str, dict[str, Any] | None, str]] = [
    ("PATCH", patch({"op": "remove", "path": "roles"}), "200"),
    ("PATCH", patch({"op": "replace", "path": "active", "value": False}), "200"),
    ("DELETE", None, "204"),
]


def new_admin(http: httpx.Client) -> str:
    response = http.post("/Users", json=user_body(roles=[{"value": ACCOUNT_ADMIN, "primary": True}]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def active_admins(http: httpx.Client) -> list[str]:
    found = http.get("/Users", params={"filter": f'roles eq "{ACCOUNT_ADMIN}" and active eq true', "count": 1000})
    return [u["id"] for u in found.json()["Resources"]]


def remove(http: httpx.Client, user_id: str, how: int) -> tuple[int, str]:
    """Remove an admin by a single request: (HTTP status, status as /Bulk would give it)."""
    method, body, _ok = REMOVALS[how]
    response = http.request(method, f"/Users/{user_id}", json=body)
    return response.status_code, str(response.status_code)


def remove_in_bulk(http: httpx.Client, user_ids: list[str], how: int) -> list[str]:
    method, body, _ok = REMOVALS[how]
    operations = [{"method": method, "path": f"/Users/{i}", **({"data": body} if body else {})} for i in user_ids]
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": operations})
    assert response.status_code == 200, response.text
    return [op["status"] for op in response.json()["Operations"]]


def race(two_servers: tuple[RunningServer, RunningServer],
         removal: Callable[[httpx.Client, str, int], list[str]]) -> None:
    """Each round: two active admins, each removed through its own process at once; one is kept."""
    a, b = (client(s) for s in two_servers)
    with a, b:
        keeper = new_admin(a)
        for round_ in range(ROUNDS):
            newcomer = new_admin(b)
            assert sorted(active_admins(a)) == sorted([keeper, newcomer])
            how = round_ % len(REMOVALS)
            results = at_once([partial(removal, a, keeper, how), partial(removal, b, newcomer, how)])
            statuses = sorted(s for result in results for s in result)
            assert statuses == sorted([REMOVALS[how][2], "409"]), (round_, results)
            [keeper] = active_admins(a)


def test_two_processes_remove_two_admins_at_once(two_servers: tuple[RunningServer, RunningServer]) -> None:
    race(two_servers, lambda http, user_id, how: [remove(http, user_id, how)[1]])


def test_two_bulk_requests_remove_two_admins_at_once(two_servers: tuple[RunningServer, RunningServer]) -> None:
    race(two_servers, lambda http, user_id, how: remove_in_bulk(http, [user_id], how))


def test_one_bulk_request_removing_both_admins_keeps_one(two_servers: tuple[RunningServer, RunningServer]) -> None:
    with client(two_servers[0]) as http:
        for how, (_method, _body, ok) in enumerate(REMOVALS):
            first, second = new_admin(http), new_admin(http)
            others = [i for i in active_admins(http) if i not in (first, second)]
            for other in others:  # leave these two as the only active admins
                assert remove(http, other, 0)[0] == 200
            assert remove_in_bulk(http, [first, second], how) == [ok, "409"]
            assert active_admins(http) == [second]
