"""docs/RULES.md "Managers": deleting a manager clears the manager of each report, in the same transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from roster_tui.core.scim import BULK_REQUEST, ENTERPRISE_USER
from roster_tui.server.storage.sql import SqlStorage, reports_query
from tests.conftest import RunningServer, give_assignments, start_server, stop_server
from tests.server.helpers import unique, user_body

COMPLETED = [{"course": "Code of Conduct", "status": "completed", "completedAt": "2026-01-20T10:00:00Z"}]


def create(http: httpx.Client, manager: str | None = None, **kw: Any) -> dict[str, Any]:
    body = user_body(**kw)
    if manager:
        body.setdefault(ENTERPRISE_USER, {})["manager"] = {"value": manager}
    response = http.post("/Users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bulk_delete(http: httpx.Client, *ids: str) -> list[str]:
    operations = [{"method": "DELETE", "path": f"/Users/{id}"} for id in ids]
    done = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": operations})
    assert done.status_code == 200, done.text
    return [op["status"] for op in done.json()["Operations"]]


def history(http: httpx.Client, id: str) -> list[dict[str, Any]]:
    return http.get(f"/Users/{id}/history").json()["Resources"]


def assert_cleared(http: httpx.Client, report: dict[str, Any], manager: str) -> None:
    """``report`` lost its deleted manager, and nothing else; its history says so."""
    after = http.get(f"/Users/{report['id']}").json()
    rest = {k: v for k, v in report[ENTERPRISE_USER].items() if k != "manager"}
    assert after.get(ENTERPRISE_USER, {}) == rest
    assert after["meta"]["version"] == 'W/"2"'
    assert {k: v for k, v in after.items() if k not in ("meta", ENTERPRISE_USER, "schemas")} == {
        k: v for k, v in report.items() if k not in ("meta", ENTERPRISE_USER, "schemas")}
    entry = history(http, report["id"])[0]
    assert (entry["action"], entry["changes"]) == ("manager-deleted", {"manager_id": [manager, None]})


def assert_untouched(http: httpx.Client, user: dict[str, Any]) -> None:
    assert http.get(f"/Users/{user['id']}").json() == user
    assert [e["action"] for e in history(http, user["id"])] == ["create"]


def test_deleting_a_manager_clears_the_manager_of_each_report(http: httpx.Client) -> None:
    manager = create(http)
    reports = [create(http, manager["id"], department="Ops"), create(http, manager["id"]),
               create(http, manager["id"], employeeNumber=f"E{unique()}")]
    assert http.delete(f"/Users/{manager['id']}").status_code == 204
    for report in reports:
        assert_cleared(http, report, manager["id"])
    by_manager = http.get("/Users", params={"filter": f'{ENTERPRISE_USER}:manager.value eq "{manager["id"]}"'})
    assert by_manager.json()["totalResults"] == 0  # the manager_id column is cleared too


def test_deleting_a_user_without_reports_touches_no_one_else(http: httpx.Client) -> None:
    manager = create(http)
    colleague, loner = create(http, manager["id"]), create(http, manager["id"])
    assert http.delete(f"/Users/{loner['id']}").status_code == 204
    assert_untouched(http, manager)
    assert_untouched(http, colleague)
    assert [e["action"] for e in history(http, loner["id"])] == ["delete", "create"]


def test_bulk_delete_clears_the_reports_and_a_refused_delete_touches_none(
        http: httpx.Client, server: RunningServer) -> None:
    gone, kept = create(http), create(http)
    give_assignments(server, kept["id"], COMPLETED)  # has training records: its delete is refused
    kept = http.get(f"/Users/{kept['id']}").json()
    cleared = [create(http, gone["id"]), create(http, gone["id"], division="North")]
    kept_reports = [create(http, kept["id"]), create(http, kept["id"])]
    assert bulk_delete(http, gone["id"], kept["id"]) == ["204", "409"]
    for report in cleared:
        assert_cleared(http, report, gone["id"])
    for report in kept_reports:
        assert_untouched(http, report)
    assert http.delete(f"/Users/{kept['id']}").status_code == 409
    for report in kept_reports:
        assert_untouched(http, report)


def test_refused_delete_of_the_last_account_admin_touches_no_report(tmp_path: Path, database: str) -> None:
    server = start_server(tmp_path, db=database)  # a roster of its own: the admin count must be exact
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as http:
            admin = create(http, roles=[{"value": "Account Admin"}])
            report = create(http, admin["id"])
            assert http.delete(f"/Users/{admin['id']}").status_code == 409
            assert bulk_delete(http, admin["id"]) == ["409"]
            assert_untouched(http, report)
    finally:
        stop_server(server)


def test_reports_are_found_on_the_manager_index(database: str) -> None:
    storage = SqlStorage(database)
    try:
        query = reports_query(storage.dialect).params(manager="0f8e6c1a-manager")
        sql = str(query.compile(storage.write_engine, compile_kwargs={"literal_binds": True}))
        with storage.write_engine.begin() as conn:
            if storage.dialect == "postgresql":  # a new, near-empty table: make the planner show the index it can use
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(str(row) for row in conn.execute(text(
                ("EXPLAIN QUERY PLAN " if storage.dialect == "sqlite" else "EXPLAIN ") + sql)))
    finally:
        storage.close()
    assert ("ix_users_manager_id" if storage.dialect == "sqlite" else "ix_users_manager_id_lower") in plan, plan
