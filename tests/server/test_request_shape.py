"""Requests that are ambiguous or not what they claim: duplicate keys, other media types, a forged Host, /Bulk
operations that share a bulkId or data that only looks like a reference."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from roster_tui.core.scim import BULK_REQUEST, CORE_USER, ENTERPRISE_USER, PATCH_OP, SEARCH_REQUEST
from tests.conftest import RunningServer
from tests.server.group_helpers import GROUP, new_group, new_user
from tests.server.helpers import patch, unique, user_body

SCIM = {"Content-Type": "application/scim+json"}


def raw_json(items: list[tuple[str, Any]]) -> str:
    """A JSON object written from (key, value) pairs, so keys may repeat."""
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in items) + "}"


def duplicated_bodies() -> list[tuple[str, str]]:
    email = f"dup.{unique()}@example.com"
    name = {"givenName": "Ada", "familyName": "Lovelace"}
    user = [("schemas", [CORE_USER]), ("name", name), ("userName", email)]
    return [
        ("POST", raw_json([*user, ("userName", "other." + email)])),
        ("POST", raw_json([*user, ("active", False), ("Active", True)])),
        ("POST", raw_json([*user, ("USERNAME", "x." + email)])),
        ("POST", '{"schemas": ["' + CORE_USER + '"], "userName": "' + email + '", '
                 '"name": {"givenName": "A", "givenname": "B", "familyName": "C"}}'),
        ("PATCH", '{"schemas": ["' + PATCH_OP + '"], "Operations": [{"op": "replace", "path": "title", '
                  '"value": "x", "Value": "y"}]}'),
        ("PATCH", '{"schemas": ["' + PATCH_OP + '"], "Operations": [{"op": "replace", "op": "remove", '
                  '"path": "title"}]}'),
    ]


def test_duplicate_keys_are_refused_not_resolved_by_the_last_one(http: httpx.Client) -> None:
    user = new_user(http)
    for method, body in duplicated_bodies():
        path = "/Users" if method == "POST" else f"/Users/{user['id']}"
        response = http.request(method, path, content=body, headers=SCIM)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["scimType"] == "invalidSyntax" and "twice" in response.json()["detail"], response.text
    bulk = ('{"schemas": ["' + BULK_REQUEST + '"], "Operations": [{"method": "POST", "path": "/Users", '
            '"bulkId": "a", "bulkid": "b", "data": {}}]}')
    assert http.post("/Bulk", content=bulk, headers=SCIM).status_code == 400
    search = '{"schemas": ["' + SEARCH_REQUEST + '"], "count": 1, "Count": 2}'
    assert http.post("/Users/.search", content=search, headers=SCIM).status_code == 400
    assert http.get(f"/Users/{user['id']}").json().get("title") is None


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "application/scim+json; charset=latin-1", "", "application/json-patch"])
def test_a_body_in_another_media_type_is_415(http: httpx.Client, content_type: str) -> None:
    user = new_user(http)
    headers = {"Content-Type": content_type} if content_type else {}
    calls = [("POST", "/Users", user_body()), ("PATCH", f"/Users/{user['id']}",
                                              patch({"op": "replace", "path": "title", "value": "x"})),
             ("PUT", f"/Users/{user['id']}", user_body(email=user["userName"])),
             ("POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": []}),
             ("POST", "/Users/.search", {"schemas": [SEARCH_REQUEST]}),
             ("POST", "/.search", {"schemas": [SEARCH_REQUEST]}),
             ("POST", "/Groups", {"schemas": [GROUP], "displayName": f"G {unique()}"})]
    for method, path, body in calls:
        request = http.build_request(method, path, content=json.dumps(body).encode(), headers=headers)
        if not content_type:
            request.headers.pop("Content-Type", None)
        response = http.send(request)
        assert response.status_code == 415, (method, path, response.text)
        assert "application/scim+json" in response.json()["detail"]
    assert http.get(f"/Users/{user['id']}").json().get("title") is None


@pytest.mark.parametrize("content_type", ["application/scim+json", "application/json",
                                          "application/scim+json; charset=utf-8", "Application/JSON; charset=UTF-8"])
def test_both_json_media_types_are_read(http: httpx.Client, content_type: str) -> None:
    response = http.post("/Users", content=json.dumps(user_body()).encode(), headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text


def test_a_forged_host_never_reaches_a_location(server: RunningServer, http: httpx.Client) -> None:
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    created = http.post("/Users", json=user_body(), headers=evil)
    assert created.status_code == 201
    user = created.json()
    texts = [created.headers["location"], user["meta"]["location"]]
    got = http.get(f"/Users/{user['id']}", headers=evil)
    texts += [got.headers["location"], got.text]
    texts.append(http.get("/Users", params={"filter": f'id eq "{user["id"]}"'}, headers=evil).text)
    group = new_group(http, [user["id"]])
    texts.append(http.get(f"/Groups/{group['id']}", headers=evil).text)
    texts.append(http.get("/ServiceProviderConfig", headers=evil).text)
    texts.append(http.get("/Schemas", headers=evil).text)
    texts.append(http.get("/ResourceTypes", headers=evil).text)
    bulk = http.post("/Bulk", headers=evil, json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": user_body()}]})
    texts.append(bulk.text)
    redirect = http.get("/Users/", headers=evil, follow_redirects=False)
    texts.append(redirect.headers.get("location", ""))
    assert not [t for t in texts if "evil" in t]
    assert user["meta"]["location"] == f"{server.url}/Users/{user['id']}"


def test_bulk_ids_are_unique_in_a_request(http: httpx.Client) -> None:
    first, second = user_body(), user_body()
    report = user_body()
    report[ENTERPRISE_USER] = {"manager": {"value": "bulkId:boss"}}
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "boss", "data": first},
        {"method": "POST", "path": "/Users", "bulkId": "boss", "data": second},
        {"method": "POST", "path": "/Users", "bulkId": "report", "data": report}]})
    assert response.status_code == 400, response.text
    assert "boss" in response.json()["detail"] and response.json()["scimType"] == "invalidValue"
    for body in (first, second, report):  # nothing was written
        found = http.get("/Users", params={"filter": f'userName eq "{body["userName"]}"'}).json()
        assert found["totalResults"] == 0


@pytest.mark.parametrize("bulk_id", [1, True, "", ["x"], {"a": 1}])
def test_a_bulk_id_is_a_non_empty_string(http: httpx.Client, bulk_id: Any) -> None:
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": user_body()}]})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert response.json()["Operations"][0]["status"] == "400"


def test_only_references_are_resolved_not_text_that_looks_like_one(http: httpx.Client) -> None:
    text = "bulkId:t"
    created = user_body(title=text, displayName="bulkId:x", externalId="bulkId:t", department="bulkId:t")
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "t", "data": user_body()},
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": created},
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {
            "schemas": [GROUP], "displayName": "bulkId:t", "members": [{"value": "bulkId:t"}]}}]})
    assert response.status_code == 200, response.text
    ops = response.json()["Operations"]
    assert [op["status"] for op in ops] == ["201", "201", "201"], ops
    t_id = ops[0]["location"].rsplit("/", 1)[1]
    user = http.get(ops[1]["location"].split("/scim/v2")[1]).json()
    assert (user["title"], user["displayName"], user["externalId"]) == (text, "bulkId:x", text)
    assert user[ENTERPRISE_USER]["department"] == text
    group = http.get(ops[2]["location"].split("/scim/v2")[1]).json()
    assert group["displayName"] == "bulkId:t" and [m["value"] for m in group["members"]] == [t_id]
