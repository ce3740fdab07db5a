"""Values no client should send, in every position they can take: a 4xx that says what is wrong, never a 5xx.

Lone surrogates and NUL characters (which no stored value can hold), integers beyond 64 bits or written with
digits other than ASCII ones, and entity tags that are not what they seem.
"""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from roster_tui.core.scim import BULK_REQUEST, SEARCH_REQUEST
from tests.conftest import RunningServer
from tests.server.group_helpers import GROUP, new_group, new_user
from tests.server.helpers import patch, user_body

#: Filter values as they are written in a filter (JSON string escapes), that no stored value can match.
UNSTORABLE = ["\\ud800", "\\udfff", "ab\\ud83dcd", "\\u0000", "abc\\u0000def", "x\\u0000"]
OPS = ["eq", "co", "sw", "ew", "gt"]


def error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["status"] == str(status)
    if scim_type:
        assert body["scimType"] == scim_type, body
    return body


@pytest.mark.parametrize("value", UNSTORABLE)
def test_a_filter_value_no_stored_value_can_hold_is_an_invalid_filter(http: httpx.Client, value: str) -> None:
    """SQLite once matched every user for ``co "\\u0000"`` and answered 503 for a longer one; a lone surrogate
    was a 500 on both backends."""
    for op in OPS:
        for attribute in ("userName", "title", "emails.value", "name.familyName",
                          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"):
            flt = f'{attribute} {op} "{value}"'
            error(http.get("/Users", params={"filter": flt}), 400, "invalidFilter")
        error(http.post("/Users/.search", json={"schemas": [SEARCH_REQUEST], "filter": f'userName {op} "{value}"'}),
              400, "invalidFilter")
        error(http.get("/Groups", params={"filter": f'displayName {op} "{value}"'}), 400, "invalidFilter")
        error(http.post("/.search", json={"schemas": [SEARCH_REQUEST], "filter": f'displayName {op} "{value}"'}),
              400, "invalidFilter")
    error(http.get("/Users", params={"filter": f'emails[value co "{value}"]'}), 400, "invalidFilter")


@pytest.mark.parametrize("value", UNSTORABLE)
def test_a_patch_path_filter_with_such_a_value_is_refused(http: httpx.Client, value: str) -> None:
    user = new_user(http)
    for op in ("add", "replace", "remove"):
        body = patch({"op": op, "path": f'emails[type eq "{value}"].value', "value": "x@example.com"})
        assert http.patch(f"/Users/{user['id']}", json=body).status_code == 400
    group = new_group(http)
    body = patch({"op": "remove", "path": f'members[value eq "{value}"]'})
    assert http.patch(f"/Groups/{group['id']}", json=body).status_code in (200, 400)


def test_nul_in_any_string_of_a_body_is_400(http: httpx.Client) -> None:
    user = new_user(http)
    for body in (user_body(title="a\x00b"), user_body(given="\x00"), user_body(externalId="\x00"),
                 user_body(department="x\x00")):
        error(http.post("/Users", json=body), 400, "invalidValue")
    error(http.patch(f"/Users/{user['id']}", json=patch({"op": "replace", "path": "title", "value": "\x00"})),
          400, "invalidValue")
    error(http.post("/Groups", json={"schemas": [GROUP], "displayName": "g\x00"}), 400, "invalidValue")
    bulk = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "PATCH", "path": "/Users/a\x00b", "data": patch({"op": "replace", "path": "title", "value": "x"})},
        {"method": "DELETE", "path": "/Groups/\x00"}]})
    assert bulk.status_code == 200, bulk.text
    assert [op["status"] for op in bulk.json()["Operations"]] == ["404", "404"]


def test_lone_surrogates_in_a_body_are_invalid_json(http: httpx.Client) -> None:
    raw = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "\\ud800@example.com"}'
    error(http.post("/Users", content=raw, headers={"Content-Type": "application/scim+json"}), 400, "invalidSyntax")


@pytest.mark.parametrize("start", ["99999999999999999999", "9223372036854775808", "18446744073709551616",
                                   pytest.param("9" * 5000, id="5000-digits")])
def test_a_start_index_beyond_any_roster_is_an_empty_page(http: httpx.Client, start: str) -> None:
    for path in ("/Users", "/Groups"):
        page = http.get(path, params={"startIndex": start})
        assert page.status_code == 200, page.text
        assert page.json()["Resources"] == [] and page.json()["startIndex"] >= 2**31
    huge = int(start) if len(start) < 100 else 2**70
    for path in ("/Users/.search", "/.search"):
        page = http.post(path, json={"schemas": [SEARCH_REQUEST], "startIndex": min(huge, 2**64 - 1)})
        assert page.status_code == 200, page.text
        assert page.json()["Resources"] == []


@pytest.mark.parametrize("value", [pytest.param("9" * 5000, id="5000-digits"), "²", "١٢", "1_0", " 5", "0x10",
                                   "-99999999999999999999999"])
def test_integer_parameters_take_ascii_digits_only_and_any_size(http: httpx.Client, value: str) -> None:
    for name in ("startIndex", "count"):
        response = http.get("/Users", params={name: value})
        assert response.status_code in (200, 400), (name, value, response.text)
        if response.status_code == 200:
            body = response.json()
            assert body["itemsPerPage"] <= 1000 and body["startIndex"] >= 1
        else:
            assert response.json()["scimType"] == "invalidValue"


def test_huge_integers_in_a_bulk_request(http: httpx.Client) -> None:
    raw = (b'{"schemas": ["' + BULK_REQUEST.encode() + b'"], "failOnErrors": ' + b"9" * 400
           + b', "Operations": []}')
    assert http.post("/Bulk", content=raw, headers={"Content-Type": "application/scim+json"}).status_code in (200, 400)


@pytest.mark.parametrize("version", [1, True, 1.5, None, [], {}, 'W/"1_0"', "W/\"\u0661\""])
def test_a_bulk_version_that_is_no_entity_tag_fails_that_operation_alone(
        server: RunningServer, version: Any) -> None:
    """``"version": 1`` was a 500 that rolled the whole request back and reset the connection."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {**server.headers(), "Content-Type": "application/scim+json"}
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as client:
            user = new_user(client)
        conn.request("POST", parts.path + "/Bulk", orjson.dumps({"schemas": [BULK_REQUEST], "Operations": [
            {"method": "PATCH", "path": f"/Users/{user['id']}", "version": version,
             "data": patch({"op": "replace", "path": "title", "value": "Changed"})},
            {"method": "POST", "path": "/Users", "bulkId": "after", "data": user_body()}]}), headers)
        response = conn.getresponse()
        body = orjson.loads(response.read())
        assert response.status == 200, body
        first, second = body["Operations"]
        assert second["status"] == "201"
        if version is None:
            assert first["status"] == "200"
        else:
            assert first["status"] in ("400", "412"), first
        conn.request("GET", parts.path + f"/Users/{user['id']}", headers=server.headers())  # the same connection
        again = conn.getresponse()
        assert again.status == 200
        assert orjson.loads(again.read()).get("title") == ("Changed" if version is None else None)
    finally:
        conn.close()


def test_if_match_with_a_list_of_tags_matches_any_of_them(http: httpx.Client) -> None:
    user = new_user(http)
    for n in range(2, 4):
        assert http.patch(f"/Users/{user['id']}", json=patch({"op": "replace", "path": "title",
                                                               "value": f"v{n}"})).status_code == 200
    ok = http.patch(f"/Users/{user['id']}", headers={"If-Match": 'W/"1", W/"3"'},
                    json=patch({"op": "replace", "path": "title", "value": "listed"}))
    assert ok.status_code == 200, ok.text
    assert http.delete(f"/Users/{user['id']}", headers={"If-Match": 'W/"1", "2", W/"3"'}).status_code == 412
    group = new_group(http)
    ok = http.put(f"/Groups/{group['id']}", headers={"If-Match": 'W/"9", W/"1"'},
                  json={"schemas": [GROUP], "displayName": group["displayName"] + " renamed"})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("tag", ['W/"1_0"', 'W/"\u0661\u0660"', 'W/"+10"', 'W/" 10"', 'W/"10', "W/10x"])
def test_an_entity_tag_is_read_as_written(http: httpx.Client, tag: str) -> None:
    """``W/"1_0"`` read as version 10 (Python's int() takes underscores, and digits of any script)."""
    user = new_user(http)
    for n in range(2, 11):
        assert http.patch(f"/Users/{user['id']}", json=patch({"op": "replace", "path": "title",
                                                               "value": f"v{n}"})).status_code == 200
    assert http.get(f"/Users/{user['id']}").headers["etag"] == 'W/"10"'
    response = http.patch(f"/Users/{user['id']}", headers={"If-Match": tag.encode()},
                          json=patch({"op": "replace", "path": "title", "value": "matched"}))
    assert response.status_code == 412, (tag, response.text)
