"""docs/RULES.md: reactivating undoes what deactivation cancelled, by any path; no status given changes no status."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from roster_tui.core.scim import BULK_REQUEST, ROSTER_USER
from tests.conftest import RunningServer, give_assignments
from tests.server.helpers import patch, user_body

ASSIGNMENTS = [
    {"course": "Workplace Safety", "status": "not_started", "dueDate": "2027-01-31"},
    {"course": "Data Privacy", "status": "in_progress", "dueDate": "2026-12-31"},
    {"course": "Code of Conduct", "status": "completed", "dueDate": "2026-01-31",
     "completedAt": "2026-01-20T10:00:00Z"},
]
DEACTIVATED = [{**ASSIGNMENTS[0], "status": "cancelled", "statusBeforeDeactivation": "not_started"},
               {**ASSIGNMENTS[1], "status": "cancelled", "statusBeforeDeactivation": "in_progress"},
               ASSIGNMENTS[2]]


def active(value: Any) -> dict[str, Any]:
    return patch({"op": "replace", "path": "active", "value": value})


def assignments(user: dict[str, Any]) -> list[dict[str, Any]]:
    return user[ROSTER_USER]["trainingAssignments"]


def bulk(http: httpx.Client, *operations: dict[str, Any]) -> list[str]:
    """Run a /Bulk request: the status of each operation."""
    done = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": list(operations)})
    assert done.status_code == 200, done.text
    return [op["status"] for op in done.json()["Operations"]]


def trained_user(http: httpx.Client, server: RunningServer, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new active user with ASSIGNMENTS (the training platform's), and the body that created them."""
    body = user_body(**kw)
    user = http.post("/Users", json=body).json()
    give_assignments(server, user["id"], ASSIGNMENTS)
    return http.get(f"/Users/{user['id']}").json(), body


@pytest.mark.parametrize("operation", [
    {"op": "remove", "path": "active"},
    {"op": "replace", "path": "active", "value": None},
    {"op": "replace", "value": {"active": None, "title": "Terminated"}},
], ids=["remove", "replace-null", "pathless-null"])
def test_removing_or_nulling_active_leaves_an_inactive_user_inactive(
        http: httpx.Client, server: RunningServer, operation: dict[str, Any]) -> None:
    user, _body = trained_user(http, server)
    http.patch(f"/Users/{user['id']}", json=active(False))
    out = http.patch(f"/Users/{user['id']}", json=patch(operation))
    assert out.status_code == 200, out.text
    assert out.json()["active"] is False
    assert assignments(out.json()) == DEACTIVATED
    listed = http.get("/Users", params={"filter": f'id eq "{user["id"]}" and active eq false'}).json()
    assert listed["totalResults"] == 1  # the active column too


def test_null_active_by_bulk_patch_and_put_leaves_the_status(http: httpx.Client, server: RunningServer) -> None:
    user, body = trained_user(http, server)
    http.patch(f"/Users/{user['id']}", json=active(False))
    assert bulk(http, {"method": "PATCH", "path": f"/Users/{user['id']}",
                       "data": patch({"op": "remove", "path": "active"})},
                {"method": "PATCH", "path": f"/Users/{user['id']}", "data": active(None)}) == ["200", "200"]
    assert http.get(f"/Users/{user['id']}").json()["active"] is False
    out = http.put(f"/Users/{user['id']}", json={**body, "active": None, "title": "Gone"})
    assert out.status_code == 200 and out.json()["active"] is False
    assert assignments(out.json()) == DEACTIVATED


def test_patch_deactivation_records_and_reactivation_restores(http: httpx.Client, server: RunningServer) -> None:
    user, _body = trained_user(http, server)
    url = f"/Users/{user['id']}"
    off = http.patch(url, json=active(False)).json()
    assert assignments(off) == DEACTIVATED
    again = http.patch(url, json=active(False)).json()  # already inactive: nothing changes
    assert again["meta"]["version"] == off["meta"]["version"] and assignments(again) == DEACTIVATED
    on = http.patch(url, json=active(True)).json()
    assert on["active"] is True
    assert assignments(on) == ASSIGNMENTS
    history = http.get(f"{url}/history").json()["Resources"]
    assert history[0]["action"] == "patch"
    assert history[0]["changes"]["active"] == [False, True]
    assert history[0]["changes"]["trainingAssignments"] == [
        "1 completed, 2 cancelled", "1 not started, 1 in progress, 1 completed"]


def test_put_deactivates_and_reactivates_the_same_way(http: httpx.Client, server: RunningServer) -> None:
    user, body = trained_user(http, server)
    url = f"/Users/{user['id']}"
    assert assignments(http.put(url, json={**body, "active": False}).json()) == DEACTIVATED
    assert assignments(http.put(url, json={**body, "active": True}).json()) == ASSIGNMENTS


def test_bulk_deactivates_and_reactivates_the_same_way(http: httpx.Client, server: RunningServer) -> None:
    (a, body_a), (b, body_b) = trained_user(http, server), trained_user(http, server)
    assert bulk(http, {"method": "PATCH", "path": f"/Users/{a['id']}", "data": active(False)},
                {"method": "PUT", "path": f"/Users/{b['id']}", "data": {**body_b, "active": False}}) == ["200", "200"]
    assert [assignments(http.get(f"/Users/{u['id']}").json()) for u in (a, b)] == [DEACTIVATED, DEACTIVATED]
    assert bulk(http, {"method": "PUT", "path": f"/Users/{a['id']}", "data": {**body_a, "active": True}},
                {"method": "PATCH", "path": f"/Users/{b['id']}", "data": active(True)}) == ["200", "200"]
    assert [assignments(http.get(f"/Users/{u['id']}").json()) for u in (a, b)] == [ASSIGNMENTS, ASSIGNMENTS]


def test_reactivation_keeps_what_the_training_platform_changed_meanwhile(
        http: httpx.Client, server: RunningServer) -> None:
    user, _body = trained_user(http, server)
    url = f"/Users/{user['id']}"
    off = assignments(http.patch(url, json=active(False)).json())
    finished = {**off[0], "status": "completed", "completedAt": "2027-01-15T08:00:00Z"}  # marker kept as read
    give_assignments(server, user["id"], [finished, *off[1:]])
    on = assignments(http.patch(url, json=active(True)).json())
    assert on == [{**ASSIGNMENTS[0], "status": "completed", "completedAt": "2027-01-15T08:00:00Z"}, *ASSIGNMENTS[1:]]


def test_a_client_cannot_write_status_before_deactivation(http: httpx.Client, server: RunningServer) -> None:
    claimed = [{**a, "status": "cancelled", "statusBeforeDeactivation": "in_progress"} for a in ASSIGNMENTS]
    created = http.post("/Users", json=user_body(**{ROSTER_USER: {"trainingAssignments": claimed}}))
    assert created.status_code == 201 and ROSTER_USER not in created.json()  # read-only: ignored
    user, body = trained_user(http, server)
    url = f"/Users/{user['id']}"
    http.patch(url, json=active(False))
    on = http.put(url, json={**body, "active": True, ROSTER_USER: {"trainingAssignments": claimed}})
    assert on.status_code == 200 and assignments(on.json()) == ASSIGNMENTS  # the service's record, not the client's
    refused = http.patch(url, json=patch({"op": "replace", "value": "completed",
                                          "path": f"{ROSTER_USER}:trainingAssignments.statusBeforeDeactivation"}))
    assert refused.status_code == 400 and refused.json()["scimType"] == "mutability"


def test_the_record_is_published_read_only(http: httpx.Client) -> None:
    schema = http.get(f"/Schemas/{ROSTER_USER}").json()
    training = next(a for a in schema["attributes"] if a["name"] == "trainingAssignments")
    sub = next(a for a in training["subAttributes"] if a["name"] == "statusBeforeDeactivation")
    assert sub["mutability"] == "readOnly" and sub["canonicalValues"] == ["not_started", "in_progress"]
