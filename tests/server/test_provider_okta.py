"""Okta's user provisioning replayed against the roster API: an Okta Integration Network app (profile updates by
PUT, activation and deactivation by PATCH) and an App Integration Wizard app (every update by PUT). The request
bodies are those of Okta's "SCIM 2.0 Protocol Reference" (Okta and SCIM Version 2.0) and of its "Okta SCIM 2.0
SPEC Test" (the Runscope suite an integration must pass). The documented ``test.user@okta.local`` is reserved
(.local) and refused as an email, as docs/RULES.md says; it is ``…@okta.example`` here, with a unique part."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.server.helpers import unique
from tests.server.replay import expect, found, patched, put, stored

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def okta_user(user_name: str, external_id: str) -> dict[str, Any]:
    """SCIM 2.0 Protocol Reference, "Create the User": the POST body."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {
            "givenName": "Test",
            "familyName": "User",
        },
        "emails": [{
            "primary": True,
            "value": user_name,
            "type": "work",
        }],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": external_id,
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def create_as_okta(http: httpx.Client) -> dict[str, Any]:
    """"Determine if the User already exists", then "Create the User"; the stored user."""
    user_name = f"test.user.{unique()}@okta.example"
    query = f'userName eq "{user_name}"'
    assert found(http, query, startIndex=1, count=100) == []  # Okta's exact query: startIndex=1&count=100
    created = expect(http.post("/Users", json=okta_user(user_name, f"00u{unique()}")), 201)
    assert "password" not in created and "groups" not in created
    held = stored(http, created["id"])
    assert held == created
    assert held["locale"] == "en-US" and held["displayName"] == "Test User" and held["active"] is True
    assert [u["id"] for u in found(http, query, startIndex=1, count=100)] == [held["id"]]
    return held


def okta_put(held: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """"Update the User": Okta GETs the user, changes what changed and PUTs the whole body, with its
    ``groups: []`` and ``meta`` (the reference's PUT: middleName "Excited", a ``display`` on the email)."""
    emails = [{**e, "display": e["value"]} for e in held["emails"]]
    return {**held, "emails": emails, "groups": [], "meta": {"resourceType": "User"}, **changes}


def test_okta_integration_network_app(http: httpx.Client) -> None:
    # "After saving the configuration, Okta makes two requests": a page of users, then the matching query.
    page = expect(http.get("/Users", params={"startIndex": 1, "count": 2}), 200)
    assert page["schemas"] == [LIST_RESPONSE] and page["startIndex"] == 1
    held = create_as_okta(http)
    uid = held["id"]
    # "Update a specific User (PUT)", OIN integrations update profiles by PUT.
    after = put(http, uid, okta_put(held, name={"givenName": "Another", "middleName": "Excited",
                                                "familyName": "User"}))
    assert after["name"] == {"givenName": "Another", "middleName": "Excited", "familyName": "User"}
    assert after["emails"][0]["display"] == held["userName"] and after["locale"] == "en-US"
    assert "groups" not in after and after["id"] == uid
    # "Update a specific User (PATCH)": deactivation, as the reference shows it; activation likewise.
    off = patched(http, uid, {"op": "replace", "value": {"active": False}})
    assert off["active"] is False and off["name"]["middleName"] == "Excited"
    on = patched(http, uid, {"op": "replace", "value": {"active": True}})
    assert on["active"] is True
    # Syncing the user password, the third PATCH of an OIN app: accepted, and nothing is written.
    synced = patched(http, uid, {"op": "replace", "value": {"password": "t1meMa$heen"}})
    assert "password" not in synced and synced["meta"]["version"] == on["meta"]["version"]
    # "Delete Users": Okta does not delete; a deactivated user stays and is still found.
    assert patched(http, uid, {"op": "replace", "value": {"active": False}})["active"] is False
    assert [u["active"] for u in found(http, f'userName eq "{held["userName"]}"')] == [False]


def test_okta_app_integration_wizard_app(http: httpx.Client) -> None:
    held = create_as_okta(http)
    uid = held["id"]
    after = put(http, uid, okta_put(held, title="Tour Guide", nickName="Babs"))
    assert after["title"] == "Tour Guide" and after["nickName"] == "Babs"
    # "For any custom app integrations created using the AIW, this request is sent through a PUT": deactivate.
    off = put(http, uid, okta_put(after, active=False))
    assert off["active"] is False and off["title"] == "Tour Guide"
    no_status = okta_put(off)
    del no_status["active"]
    assert put(http, uid, no_status)["active"] is False  # a PUT without active never reactivates
    assert put(http, uid, okta_put(off, active=True))["active"] is True


def test_okta_scim_spec_test(http: httpx.Client) -> None:
    """The "Okta SCIM 2.0 SPEC Test" steps on Users, with their assertions."""
    expect(http.post("/Users", json=okta_user(f"spec.{unique()}@okta.example", f"00u{unique()}")), 201)
    # Required Test: Test Users endpoint (count=1&startIndex=1).
    page = expect(http.get("/Users?count=1&startIndex=1"), 200)
    assert page["schemas"] == [LIST_RESPONSE] and isinstance(page["itemsPerPage"], int)
    assert isinstance(page["startIndex"], int) and isinstance(page["totalResults"], int)
    first = page["Resources"][0]
    for key in ("id", "userName", "active"):
        assert first[key] is not None
    assert first["name"]["familyName"] and first["name"]["givenName"] and first["emails"][0]["value"]
    # Required Test: Get Users/{{id}}.
    assert stored(http, first["id"])["id"] == first["id"]
    # Required Test: Test invalid User by username; Test invalid User by ID.
    assert found(http, f'userName eq "invalid{unique()}@example.com"') == []
    missing = expect(http.get(f"/Users/{uuid.uuid4()}"), 404)
    assert missing["detail"] and missing["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    # Required Test: Make sure random user doesn't exist; Create Okta user with realistic values; Verify that
    # user was created; Expect failure when recreating user with same values.
    given, family = f"Given{unique()}", f"Family{unique()}"
    user_name, email = f"Runscope{unique()}@atko.example", f"Runscope{unique()}@atko.example"
    assert found(http, f'userName eq "{email}"') == []
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": f"{given} {family}", "active": True}
    created = expect(http.post("/Users", json=body), 201)
    assert created["active"] is True and created["id"]
    assert created["name"] == {"givenName": given, "familyName": family} and created["userName"] == user_name
    assert "urn:ietf:params:scim:schemas:core:2.0:User" in created["schemas"]
    assert stored(http, created["id"])["userName"] == user_name
    expect(http.post("/Users", json=body), 409)
    # Required Test: Username Case Sensitivity Check (a filter that is only a userName): 400.
    expect(http.get("/Users", params={"filter": user_name.upper()}), 400)
