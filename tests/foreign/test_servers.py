"""Smoke tests of the foreign SCIM servers: each answers the plain SCIM a client of the roster needs."""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.foreign.launch import ScimServer

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_JSON = "application/scim+json"


def test_create_find_and_delete_a_user(foreign_server: ScimServer) -> None:
    user_name = f"smoke.{secrets.token_hex(4)}@example.com"
    body = {
        "schemas": [CORE_USER],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
    }
    headers = {**foreign_server.headers(), "Content-Type": SCIM_JSON, "Accept": SCIM_JSON}
    with httpx.Client(base_url=foreign_server.base_url, headers=headers, timeout=10) as http:
        created = http.post("/Users", json=body)
        assert created.status_code == 201, created.text
        user = created.json()
        assert user["id"]
        assert user["userName"] == user_name
        assert user["name"]["familyName"] == "Lovelace"
        assert [e["value"] for e in user["emails"]] == [user_name]

        found = http.get("/Users", params={"filter": f'userName eq "{user_name}"'})
        assert found.status_code == 200, found.text
        listed = found.json()
        assert listed["schemas"] == [LIST_RESPONSE]
        assert listed["totalResults"] == 1
        assert [r["id"] for r in listed["Resources"]] == [user["id"]]

        one = http.get(f"/Users/{user['id']}")
        assert one.status_code == 200 and one.json()["userName"] == user_name

        deleted = http.delete(f"/Users/{user['id']}")
        assert deleted.status_code == 204, deleted.text
        assert http.get(f"/Users/{user['id']}").status_code == 404
        gone = http.get("/Users", params={"filter": f'userName eq "{user_name}"'}).json()
        assert gone["totalResults"] == 0


def test_pages_with_start_index_and_count(foreign_server: ScimServer) -> None:
    prefix = f"page.{secrets.token_hex(4)}."
    with httpx.Client(base_url=foreign_server.base_url, headers=foreign_server.headers(), timeout=10) as http:
        ids = []
        for i in range(3):
            r = http.post("/Users", json={"schemas": [CORE_USER], "userName": f"{prefix}{i}"})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        try:
            seen: list[str] = []
            for start in (1, 2, 3):
                page = http.get("/Users", params={"filter": f'userName sw "{prefix}"', "startIndex": start, "count": 1})
                assert page.status_code == 200, page.text
                doc = page.json()
                assert (doc["totalResults"], doc["startIndex"], len(doc["Resources"])) == (3, start, 1)
                seen += [r["id"] for r in doc["Resources"]]
            assert sorted(seen) == sorted(ids)
        finally:
            for user_id in ids:
                http.delete(f"/Users/{user_id}")


@pytest.mark.parametrize("token", [None, "wrong"])
def test_refuses_a_missing_or_wrong_token(foreign_server: ScimServer, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.get(f"{foreign_server.base_url}/Users", headers=headers, timeout=10)
    assert r.status_code == 401


def test_describes_what_it_supports(foreign_server: ScimServer) -> None:
    assert foreign_server.supports("patch")
    assert foreign_server.describe().startswith(foreign_server.name)
    assert foreign_server.startup_seconds < 15, f"{foreign_server.name} took {foreign_server.startup_seconds:.1f}s"
