"""docs/RULES.md "Removing terminated users", enforced by the service over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from roster_tui.core.scim import ROSTER_USER
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import RunningServer, give_assignments
from tests.server.helpers import patch, user_body

ASSIGNMENTS = [
    {"course": "Code of Conduct", "status": "completed", "dueDate": "2026-01-31",
     "completedAt": "2026-01-20T10:00:00Z"},
    {"course": "Data Privacy", "status": "in_progress", "dueDate": "2026-12-31"},
    {"course": "Workplace Safety", "status": "not_started", "dueDate": "2027-01-31"},
    {"course": "Old Course", "status": "cancelled", "dueDate": "2025-01-31"},
]



def audit(server: RunningServer, user_id: str) -> list[dict[str, Any]]:
    storage = SqlStorage(str(server.db))
    try:
        return storage.audit_for(user_id)
    finally:
        storage.close()


def test_delete_refused_with_assignments_and_allowed_without(http: httpx.Client, server: RunningServer) -> None:
    kept = http.post("/Users", json=user_body()).json()
    give_assignments(server, kept["id"], ASSIGNMENTS[:1])
    refused = http.delete(f"/Users/{kept['id']}")
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "1 completed" in detail and "Deactivate" in detail
    assert http.get(f"/Users/{kept['id']}").status_code == 200
    free = http.post("/Users", json=user_body()).json()
    assert http.delete(f"/Users/{free['id']}").status_code == 204


def test_deactivation_cancels_open_assignments_and_reactivation_restores_them(
        http: httpx.Client, server: RunningServer) -> None:
    user = http.post("/Users", json=user_body()).json()
    give_assignments(server, user["id"], ASSIGNMENTS)
    off = http.patch(f"/Users/{user['id']}", json=patch({"op": "replace", "path": "active", "value": False}))
    assert off.status_code == 200
    assert [a["status"] for a in off.json()[ROSTER_USER]["trainingAssignments"]] == [
        "completed", "cancelled", "cancelled", "cancelled"]
    on = http.patch(f"/Users/{user['id']}", json=patch({"op": "replace", "path": "active", "value": True})).json()
    assert [a["status"] for a in on[ROSTER_USER]["trainingAssignments"]] == [  # docs/RULES.md: reactivating undoes it
        "completed", "in_progress", "not_started", "cancelled"]
    deactivation = next(e for e in audit(server, user["id"]) if e["changes"].get("active") == [True, False])
    assert deactivation["changes"]["trainingAssignments"] == [
        "1 not started, 1 in progress, 1 completed, 1 cancelled", "1 completed, 3 cancelled"]


def test_put_with_active_false_deactivates_the_same_way(http: httpx.Client, server: RunningServer) -> None:
    body = user_body()
    user = http.post("/Users", json=body).json()
    give_assignments(server, user["id"], ASSIGNMENTS[1:2])
    out = http.put(f"/Users/{user['id']}", json={**body, "active": False}).json()
    assert out["active"] is False
    assert out[ROSTER_USER]["trainingAssignments"][0]["status"] == "cancelled"


def test_last_active_account_admin_is_protected(tmp_path: Any, database: str) -> None:
    from tests.conftest import start_server, stop_server

    server = start_server(tmp_path, db=database)  # a roster of its own: the admin count must be exact
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as http:
            admin = http.post("/Users", json=user_body(roles=[{"value": "Account Admin"}])).json()
            url = f"/Users/{admin['id']}"
            for body in (patch({"op": "replace", "path": "active", "value": False}),
                         patch({"op": "remove", "path": "roles"}),
                         patch({"op": "replace", "path": "roles", "value": [{"value": "Training Admin"}]})):
                refused = http.patch(url, json=body)
                assert refused.status_code == 409, refused.text
                assert "last active Account Admin" in refused.json()["detail"]
            assert http.delete(url).status_code == 409
            assert http.patch(url, json=patch({"op": "add", "path": "roles",
                                                "value": [{"value": "User Admin"}]})).status_code == 200
            second = http.post("/Users", json=user_body(roles=[{"value": "Account Admin"}])).json()
            assert http.patch(url, json=patch({"op": "remove", "path": "roles"})).status_code == 200
            assert http.delete(f"/Users/{second['id']}").status_code == 409  # now the last one
            inactive = http.post("/Users", json=user_body(active=False, roles=[{"value": "Account Admin"}]))
            assert http.delete(f"/Users/{inactive.json()['id']}").status_code == 204  # inactive: not protected
    finally:
        stop_server(server)
