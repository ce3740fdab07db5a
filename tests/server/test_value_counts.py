"""``GET /Users/.values`` (the console's frequency view), on both backends: counts, order, blanks, the cap, the
filter, managers and groups, errors and discovery. Every count is checked against the list filter the console
sends when a value is chosen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from roster_tui.core.facets import BLANK, FACETS, VALUE_COUNTS
from roster_tui.core.scim import ENTERPRISE_USER
from roster_tui.server.app import create_app
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.storage.sql import SqlStorage
from tests.server.group_helpers import new_group, new_user

TOKEN = "values-token"
DEPARTMENT = FACETS["department"].path


@pytest.fixture()
def http(database: str) -> Iterator[TestClient]:
    """The service in-process over a fresh database (each backend)."""
    storage = SqlStorage(database)
    tokens = TokenRegistry()
    tokens.add("tests", TOKEN)
    app = create_app(storage, tokens)
    try:
        with TestClient(app, base_url="http://testserver/scim/v2",
                        headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            yield client
    finally:
        storage.close()


def values(http: httpx.Client | TestClient, attribute: str, **params: Any) -> dict[str, Any]:
    response = http.get("/Users/.values", params={"attribute": attribute, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [VALUE_COUNTS]
    return body


def found_by_filter(http: TestClient, path: str, entry: dict[str, Any], scope: str | None = None) -> int:
    """How many users the filter of a chosen value finds (the console's ``enter``)."""
    value = entry["value"]
    if value is None:
        flt = f"not ({path} pr)"
    elif isinstance(value, bool):
        flt = f"{path} eq {str(value).lower()}"
    else:
        flt = f'{path} eq "{value}"'
    if scope:
        flt = f"({flt}) and ({scope})"
    return http.get("/Users", params={"filter": flt, "count": 0}).json()["totalResults"]


def test_department_values_most_frequent_first_with_one_blank_row(http: TestClient) -> None:
    for department, n in (("Sales", 3), ("sales", 1), ("Legal", 2), ("Ops", 2), ("[bold]x", 1), (None, 2)):
        for _ in range(n):
            new_user(http, **({"department": department} if department else {}))
    body = values(http, "department")
    assert (body["attribute"], body["path"]) == ("department", DEPARTMENT)
    assert (body["totalUsers"], body["totalValues"], body["moreValues"]) == (11, 5, 0)
    shown = [(e["value"] if e["value"] is None else e["value"].lower(), e["count"]) for e in body["values"]]
    # case-insensitive like the filter; ties by value; the blank row has no value and says (blank)
    assert shown == [("sales", 4), (None, 2), ("legal", 2), ("ops", 2), ("[bold]x", 1)]
    blank = next(e for e in body["values"] if e["value"] is None)
    assert blank["display"] == BLANK
    assert all("display" not in e for e in body["values"] if e["value"] is not None)
    for entry in body["values"]:
        assert found_by_filter(http, DEPARTMENT, entry) == entry["count"], entry
    capped = values(http, "department", count=2)
    assert [e["count"] for e in capped["values"]] == [4, 2]
    assert (capped["totalValues"], capped["moreValues"], capped["totalUsers"]) == (5, 3, 11)


def test_the_filter_counts_among_the_matching_users_only(http: TestClient) -> None:
    for department, title in (("Sales", "Rep"), ("Sales", "Rep"), ("Sales", "Lead"), ("Legal", "Rep")):
        new_user(http, department=department, title=title)
    scope = f'{DEPARTMENT} eq "Sales"'
    body = values(http, "title", filter=scope)
    assert body["totalUsers"] == 3
    assert [(e["value"], e["count"]) for e in body["values"]] == [("Rep", 2), ("Lead", 1)]
    for entry in body["values"]:
        assert found_by_filter(http, "title", entry, scope) == entry["count"]


def test_status_manager_and_group_values(http: TestClient) -> None:
    boss = new_user(http, displayName="Grace Hopper", department="Ops")
    reports = [new_user(http, **{ENTERPRISE_USER: {"manager": {"value": boss["id"]}}}) for _ in range(3)]
    off = new_user(http, active=False)
    new_group(http, [boss["id"], reports[0]["id"]], displayName="Auditors")
    new_group(http, [reports[0]["id"]], displayName="[red]Crew")

    status = values(http, "active")  # a SCIM name of the attribute works too
    assert status["attribute"] == "status"
    assert [(e["value"], e["display"], e["count"]) for e in status["values"]] == [
        (True, "active", 4), (False, "inactive", 1)]
    for entry in status["values"]:
        assert found_by_filter(http, "active", entry) == entry["count"]

    manager = values(http, "manager")
    assert [(e["value"], e["display"], e["count"]) for e in manager["values"]] == [
        (boss["id"], "Grace Hopper", 3), (None, BLANK, 2)]
    for entry in manager["values"]:
        assert found_by_filter(http, FACETS["manager"].path, entry) == entry["count"]

    group = values(http, "group")
    assert group["totalUsers"] == 5
    assert [(e.get("display"), e["count"]) for e in group["values"]] == [("(blank)", 3), ("Auditors", 2),
                                                                          ("[red]Crew", 1)]
    for entry in group["values"]:
        assert found_by_filter(http, "groups.value", entry) == entry["count"]
    assert off["active"] is False
    inactive = values(http, "group", filter="active eq false")
    assert [(e["value"], e["count"]) for e in inactive["values"]] == [(None, 1)]


def test_an_empty_roster_has_no_values(http: TestClient) -> None:
    for attribute in FACETS:
        body = values(http, attribute)
        assert (body["totalUsers"], body["totalValues"], body["values"]) == (0, 0, [])


def test_unknown_attributes_and_bad_parameters_are_400(http: TestClient) -> None:
    for params, scim_type, said in (({"attribute": "shoeSize"}, "invalidValue", "shoeSize"),
                                    ({"attribute": "userName"}, "invalidValue", "userName"),
                                    ({}, "invalidValue", "attribute"),
                                    ({"attribute": "department", "filter": "title eq"}, "invalidFilter", ""),
                                    ({"attribute": "department", "count": "many"}, "invalidValue", "count")):
        response = http.get("/Users/.values", params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["scimType"] == scim_type and said in response.json()["detail"]
    assert http.get("/Users/.values", params={"attribute": "title"}, headers={"Authorization": ""}).status_code == 401


def test_discovery_announces_the_endpoint(http: TestClient) -> None:
    """A message schema in /Schemas (ServiceProviderConfig takes no extensions: strict checkers refuse them)."""
    published = {s["id"]: s for s in http.get("/Schemas").json()["Resources"]}
    schema = published[VALUE_COUNTS]
    assert "/Users/.values" in schema["description"]
    attribute = next(a for a in schema["attributes"] if a["name"] == "attribute")
    assert attribute["canonicalValues"] == list(FACETS)
    assert http.get(f"/Schemas/{VALUE_COUNTS}").json()["id"] == VALUE_COUNTS
    config = http.get("/ServiceProviderConfig").json()
    assert config["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
