"""Generated hostile requests (hypothesis), in the classes an adversarial pass found: lone surrogates and NUL in
every string position of a body and a filter, huge integers in every integer position, duplicate keys. The
answer is never a 5xx; where the class is always wrong, it is the 4xx that says so."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster_tui.core.scim import BULK_REQUEST, ENTERPRISE_USER, PATCH_OP, ROSTER_USER, SEARCH_REQUEST
from tests.server.group_helpers import GROUP
from tests.server.helpers import unique, user_body

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SCIM = {"Content-Type": "application/scim+json"}
#: Characters no stored value can hold, and others a value should not hold.
UNSTORABLE = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff"]
hostile = st.builds(lambda head, bad, tail: head + bad + tail, st.text(max_size=6), st.sampled_from(UNSTORABLE),
                    st.text(max_size=6))
huge = st.one_of(st.sampled_from([2**63, 2**64, -(2**63) - 1, 2**64 - 1, 10**30, -(10**30), 10**400]),
                 st.integers(min_value=2**63, max_value=2**200))


def dumps(value: Any) -> bytes:
    """JSON with lone surrogates written as ``\\udXXX`` escapes (what a client's encoder may send)."""
    return json.dumps(value, ensure_ascii=True).encode()


def string_positions(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every string leaf of a JSON value."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in string_positions(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in string_positions(v, (*path, i))]
    return []


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def full_user() -> dict[str, Any]:
    body = user_body(employeeNumber=f"E{unique()}", department="Legal", division="Corp", location="Dublin",
                     hireDate="2024-01-31", title="Clerk", displayName="Ada L", externalId=f"x{unique()}")
    body["phoneNumbers"] = [{"value": "+1 555 0100", "type": "work"}]
    body["addresses"] = [{"streetAddress": "1 Main St", "locality": "Dublin", "type": "work"}]
    return body


def assert_not_5xx(response: httpx.Response, what: object) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:300])


@SETTINGS
@given(data=st.data())
def test_unstorable_text_in_any_string_of_a_user_is_400(http: httpx.Client, data: st.DataObject) -> None:
    body = full_user()
    path = data.draw(st.sampled_from([p for p in string_positions(body) if p[0] != "schemas"]))
    bad = data.draw(hostile)
    response = http.post("/Users", content=dumps(replaced(body, path, bad)), headers=SCIM)
    assert response.status_code == 400, (path, bad, response.text)


@SETTINGS
@given(bad=hostile, where=st.sampled_from(["path", "value", "op", "filter"]))
def test_unstorable_text_in_a_patch_is_4xx(http: httpx.Client, bad: str, where: str) -> None:
    user = http.post("/Users", json=user_body()).json()
    operation = {"op": "replace", "path": "title", "value": "Clerk"}
    if where == "filter":
        operation = {"op": "add", "path": f'emails[type eq {json.dumps(bad)}].value', "value": "x@example.com"}
    else:
        operation[where] = bad
    response = http.patch(f"/Users/{user['id']}", content=dumps({"schemas": [PATCH_OP], "Operations": [operation]}),
                          headers=SCIM)
    assert 400 <= response.status_code < 500, (operation, response.text)


ATTRIBUTES = ["userName", "title", "displayName", "name.givenName", "emails.value", "externalId", "id",
              f"{ENTERPRISE_USER}:department", f"{ENTERPRISE_USER}:employeeNumber", f"{ROSTER_USER}:location",
              "emails.type", "addresses.locality", "groups.display", "meta.created"]


@SETTINGS
@given(attribute=st.sampled_from(ATTRIBUTES), op=st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "le"]),
       bad=hostile, endpoint=st.sampled_from(["get", "search", "root"]))
def test_unstorable_text_in_any_filter_is_an_invalid_filter(http: httpx.Client, attribute: str, op: str, bad: str,
                                                            endpoint: str) -> None:
    flt = f"{attribute} {op} {json.dumps(bad)}"  # the filter holds the escape; the JSON body escapes it again
    if endpoint == "get":
        response = http.get("/Users", params={"filter": flt})
    else:
        response = http.post("/Users/.search" if endpoint == "search" else "/.search",
                             content=dumps({"schemas": [SEARCH_REQUEST], "filter": flt}), headers=SCIM)
    assert response.status_code == 400, (flt, response.text)
    assert response.json()["scimType"] == "invalidFilter"


@SETTINGS
@given(number=huge, where=st.sampled_from(["startIndex", "count"]), endpoint=st.sampled_from(
    ["/Users", "/Groups", "/Users/.search", "/Groups/.search", "/.search"]))
def test_huge_integers_in_every_integer_position(http: httpx.Client, number: int, where: str, endpoint: str) -> None:
    if endpoint.endswith(".search"):
        raw = b'{"schemas": ["' + SEARCH_REQUEST.encode() + b'"], "' + where.encode() + b'": ' + str(number).encode()
        response = http.post(endpoint, content=raw + b"}", headers=SCIM)
    else:
        response = http.get(endpoint, params={where: str(number)})
    assert_not_5xx(response, (endpoint, where, number))
    if response.status_code == 200:
        assert response.json()["itemsPerPage"] <= 1000


@SETTINGS
@given(number=huge, where=st.sampled_from(["failOnErrors", "version", "bulkId", "method", "path", "data"]))
def test_huge_integers_in_a_bulk_request(http: httpx.Client, number: int, where: str) -> None:
    operation: dict[str, Any] = {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body()}
    body: dict[str, Any] = {"schemas": [BULK_REQUEST], "Operations": [operation]}
    if where == "failOnErrors":
        body[where] = 0
    else:
        operation[where] = 0
    raw = json.dumps(body).replace(f'"{where}": 0', f'"{where}": {number}').encode()
    response = http.post("/Bulk", content=raw, headers=SCIM)
    assert_not_5xx(response, (where, number))


def with_duplicate(value: Any, rng: random.Random) -> str | None:
    """``value`` as JSON text with one key of one of its objects written twice, in another case."""
    objects: list[dict[str, Any]] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if v:
                objects.append(v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(value)
    target = rng.choice(objects)
    key = rng.choice(list(target))
    marker = "\x01dup\x01"
    target[marker] = target[key]
    text = json.dumps(value)
    target.pop(marker)
    return text.replace(json.dumps(marker), json.dumps(key.swapcase() if rng.random() < 0.5 else key))


@SETTINGS
@given(seed=st.integers(0, 2**32), kind=st.sampled_from(["user", "patch", "group", "bulk", "search"]))
def test_duplicate_keys_anywhere_are_refused(http: httpx.Client, seed: int, kind: str) -> None:
    user = http.post("/Users", json=user_body()).json()
    bodies = {
        "user": ("POST", "/Users", full_user()),
        "patch": ("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "title", "value": "x"}, {"op": "add", "value": {"displayName": "y"}}]}),
        "group": ("POST", "/Groups", {"schemas": [GROUP], "displayName": f"G {unique()}",
                                      "members": [{"value": user["id"]}]}),
        "bulk": ("POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body()}]}),
        "search": ("POST", "/Users/.search", {"schemas": [SEARCH_REQUEST], "filter": "title pr", "count": 1}),
    }
    method, path, body = bodies[kind]
    text = with_duplicate(body, random.Random(seed))
    response = http.request(method, path, content=text.encode() if text else b"", headers=SCIM)
    assert response.status_code == 400, (text, response.text)
    assert response.json()["scimType"] == "invalidSyntax"
