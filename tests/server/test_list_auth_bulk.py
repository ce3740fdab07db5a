"""Listing (filter, sort, paging, projection), authentication, discovery, /Bulk and the audit trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from roster_tui.core.scim import BULK_REQUEST, ENTERPRISE_USER, SEARCH_REQUEST
from roster_tui.server.app import create_app
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.seed import generate
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import RunningServer, start_server, stop_server
from tests.server.helpers import patch, unique, user_body


def seed_department(http: httpx.Client, names: list[tuple[str, str]]) -> str:
    department = f"Dept {unique()}"
    for given, family in names:
        body = user_body(given=given, family=family, department=department)
        assert http.post("/Users", json=body).status_code == 201
    return department


def test_filter_sort_and_paging(http: httpx.Client) -> None:
    names = [("Ann", "Smith"), ("Bob", "smithers"), ("Cy", "Jones"), ("Di", "Smyth"), ("Ed", "SMITHSON")]
    department = seed_department(http, names)
    dept = f'{ENTERPRISE_USER}:department eq "{department}"'
    response = http.get("/Users", params={"filter": f'{dept} and name.familyName sw "smi"',
                                          "sortBy": "name.familyName", "sortOrder": "descending"})
    body = response.json()
    assert body["totalResults"] == 3
    assert [u["name"]["familyName"] for u in body["Resources"]] == ["SMITHSON", "smithers", "Smith"]
    page = http.get("/Users", params={"filter": dept, "sortBy": "name.givenName", "startIndex": 2,
                                      "count": 2}).json()
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [u["name"]["givenName"] for u in page["Resources"]] == ["Bob", "Cy"]
    no = http.get("/Users", params={"filter": f'{dept} and not (name.familyName co "mi")'}).json()
    assert sorted(u["name"]["givenName"] for u in no["Resources"]) == ["Cy", "Di"]
    count_only = http.get("/Users", params={"filter": dept, "count": 0}).json()
    assert count_only["totalResults"] == 5 and count_only["Resources"] == []


def test_users_sharing_a_family_name_sort_by_given_name_then_employee_number(http: httpx.Client) -> None:
    department = f"Dept {unique()}"
    for given, number in [("Zoe", "E1"), ("amy", "E9"), ("Amy", "E2"), ("Bob", "E0")]:
        body = user_body(given=given, family="Shared", department=department, employeeNumber=number)
        assert http.post("/Users", json=body).status_code == 201
    assert http.post("/Users", json=user_body(given="Al", family="Other", department=department)).status_code == 201
    dept = f'{ENTERPRISE_USER}:department eq "{department}"'

    def order(sort_order: str) -> list[str]:
        page = http.get("/Users", params={"filter": dept, "sortBy": "name.familyName", "sortOrder": sort_order})
        return [f"{u['name']['familyName']} {u['name']['givenName']} {u.get(ENTERPRISE_USER, {}).get('employeeNumber')}"
                for u in page.json()["Resources"]]

    assert order("ascending") == ["Other Al None", "Shared Amy E2", "Shared amy E9", "Shared Bob E0", "Shared Zoe E1"]
    assert order("descending") == list(reversed(order("ascending")))


def test_search_endpoint_and_projection(http: httpx.Client) -> None:
    department = seed_department(http, [("Fay", "Okafor")])
    response = http.post("/Users/.search", json={
        "schemas": [SEARCH_REQUEST], "filter": f'{ENTERPRISE_USER}:department eq "{department}"',
        "attributes": ["userName", "name.familyName"]})
    assert response.status_code == 200, response.text
    [user] = response.json()["Resources"]
    assert set(user) == {"id", "schemas", "userName", "name"}
    assert user["name"] == {"familyName": "Okafor"}
    excluded = http.get(f"/Users/{user['id']}", params={"excludedAttributes": "emails,name"}).json()
    assert "emails" not in excluded and "name" not in excluded and excluded["userName"] == user["userName"]


#: The routes anyone may read (RFC 7644 §4: discovery), and the OpenAPI description of the others.
PUBLIC = {("GET", "/scim/v2/ServiceProviderConfig"), ("GET", "/scim/v2/Schemas"),
          ("GET", "/scim/v2/Schemas/{schema_id:path}"), ("GET", "/scim/v2/ResourceTypes"),
          ("GET", "/scim/v2/ResourceTypes/{type_id}"), ("GET", "/openapi.json")}


def app_routes(tmp_path: Path) -> list[tuple[str, str]]:
    """(method, path) of every route of the service's own route table."""
    storage = SqlStorage(str(tmp_path / "routes.db"))
    try:
        app = create_app(storage, TokenRegistry())
        found = [(method, route.path) for route in app.routes if isinstance(route, Route | APIRoute)
                 for method in sorted(route.methods or ()) if method != "HEAD"]
        app.state.writes.close()
    finally:
        storage.close()
    return found


def test_every_endpoint_but_discovery_needs_the_token(server: RunningServer, tmp_path: Path) -> None:
    """Walks the app's route table: a route added without authentication fails here."""
    routes = app_routes(tmp_path)
    assert set(routes) >= PUBLIC and len(routes) > len(PUBLIC) + 15
    root = server.url.removesuffix("/scim/v2")
    with httpx.Client(base_url=root, timeout=10) as anonymous:
        for method, path in routes:
            url = re.sub(r"\{[^}]*\}", "x", path)
            response = anonymous.request(method, url, json={})
            if (method, path) in PUBLIC:
                assert response.status_code in (200, 404), (method, path, response.status_code)
                continue
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"].startswith("Bearer")
            wrong = anonymous.request(method, url, json={}, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401 and server.token not in wrong.text, (method, path)


def test_schema_publishes_the_role_catalog(http: httpx.Client) -> None:
    schema = http.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    roles = next(a for a in schema["attributes"] if a["name"] == "roles")
    value = next(s for s in roles["subAttributes"] if s["name"] == "value")
    assert "Account Admin" in value["canonicalValues"]
    spc = http.get("/ServiceProviderConfig").json()
    assert spc["etag"]["supported"] and spc["bulk"]["supported"] and spc["filter"]["maxResults"] >= 1000


def test_bulk_with_bulk_id_references_and_per_operation_errors(http: httpx.Client) -> None:
    boss, report = user_body(), user_body()
    report[ENTERPRISE_USER] = {"manager": {"value": "bulkId:boss"}}
    taken = http.post("/Users", json=user_body()).json()
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "boss", "data": boss},
        {"method": "POST", "path": "/Users", "bulkId": "rep", "data": report},
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": user_body(email=taken["userName"])},
        {"method": "PATCH", "path": "/Users/bulkId:rep", "data": patch({"op": "add", "path": "title",
                                                                         "value": "Analyst"})},
        {"method": "DELETE", "path": f"/Users/{taken['id']}", "version": 'W/"9"'},
    ]})
    assert response.status_code == 200, response.text
    ops = response.json()["Operations"]
    assert [op["status"] for op in ops] == ["201", "201", "409", "200", "412"]
    rep_id = ops[1]["location"].rsplit("/", 1)[1]
    boss_id = ops[0]["location"].rsplit("/", 1)[1]
    rep = http.get(f"/Users/{rep_id}").json()
    assert rep[ENTERPRISE_USER]["manager"]["value"] == boss_id and rep["title"] == "Analyst"
    assert http.get(f"/Users/{taken['id']}").status_code == 200


def test_bulk_never_makes_a_report_of_a_manager_it_deleted(http: httpx.Client) -> None:
    """The service asks once per request whether a manager exists; a delete in the same request forgets it."""
    boss = http.post("/Users", json=user_body()).json()

    def report() -> dict[str, object]:
        return {**user_body(), ENTERPRISE_USER: {"manager": {"value": boss["id"]}}}

    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": report()},
        {"method": "DELETE", "path": f"/Users/{boss['id']}"},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": report()},
    ]})
    assert [op["status"] for op in response.json()["Operations"]] == ["201", "204", "400"]
    first = http.get(response.json()["Operations"][0]["location"].split("/scim/v2", 1)[1]).json()
    assert ENTERPRISE_USER not in first or "manager" not in first[ENTERPRISE_USER]


def test_bulk_fail_on_errors_stops(http: httpx.Client) -> None:
    bad = {"method": "POST", "path": "/Users", "bulkId": "x", "data": {"userName": ""}}
    good = {"method": "POST", "path": "/Users", "bulkId": "y", "data": user_body()}
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "failOnErrors": 1,
                                        "Operations": [bad, good]}).json()
    assert [op["status"] for op in response["Operations"]] == ["400"]


def test_audit_records_every_change_with_token_name(http: httpx.Client, server: RunningServer) -> None:
    user = http.post("/Users", json=user_body(title="Clerk")).json()
    http.patch(f"/Users/{user['id']}", json=patch({"op": "replace", "path": "title", "value": "Manager"}))
    http.delete(f"/Users/{user['id']}")
    storage = SqlStorage(str(server.db))
    try:
        entries = storage.audit_for(user["id"])
    finally:
        storage.close()
    assert [e["action"] for e in entries] == ["delete", "patch", "create"]
    assert {e["token"] for e in entries} == {"env"}
    assert entries[1]["changes"] == {"title": ["Clerk", "Manager"]}


def test_projection_by_extension_urn(http: httpx.Client) -> None:
    department = seed_department(http, [("Gus", "Lindqvist")])
    flt = f'{ENTERPRISE_USER}:department eq "{department}"'
    [only] = http.get("/Users", params={"filter": flt, "attributes": ENTERPRISE_USER}).json()["Resources"]
    assert set(only) == {"id", "schemas", ENTERPRISE_USER} and only[ENTERPRISE_USER]["department"] == department
    [without] = http.get("/Users", params={"filter": flt, "excludedAttributes": f"{ENTERPRISE_USER},emails.type"}
                         ).json()["Resources"]
    assert ENTERPRISE_USER not in without and without["userName"]
    assert all("type" not in e for e in without["emails"])


@pytest.fixture()
def big_roster(tmp_path: Path, database: str) -> Iterator[RunningServer]:
    """A service holding 2,500 users (seeded through the storage), on each backend."""
    storage = SqlStorage(database)
    try:
        assert storage.bulk_load(generate(2500)) == 2500
    finally:
        storage.close()
    running = start_server(tmp_path, db=database)
    yield running
    stop_server(running)


def test_page_size_is_capped(big_roster: RunningServer) -> None:
    with httpx.Client(base_url=big_roster.url, headers=big_roster.headers(), timeout=60) as http:
        for params in ({"count": 10**12, "startIndex": -5}, {"count": 1001}, {"count": "5000"}, {}):
            body = http.get("/Users", params=params).json()
            assert body["totalResults"] == 2500 and body["startIndex"] == 1
            assert body["itemsPerPage"] == len(body["Resources"]) == (1000 if params else 100), params
        search = http.post("/Users/.search", json={"schemas": [SEARCH_REQUEST], "count": 10**6}).json()
        assert search["itemsPerPage"] == len(search["Resources"]) == 1000
        root = http.post("/.search", json={"schemas": [SEARCH_REQUEST], "count": 10**6}).json()
        assert root["itemsPerPage"] == len(root["Resources"]) == 1000
        last = http.get("/Users", params={"count": 10**6, "startIndex": 2001}).json()
        assert last["itemsPerPage"] == 500
        assert http.get("/ServiceProviderConfig").json()["filter"]["maxResults"] == 1000
