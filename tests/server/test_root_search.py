"""Server-root search, ``POST /.search`` (RFC 7644 §3.4.3), over Users and Groups, on both backends."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.group_helpers import new_group, new_user
from tests.server.helpers import unique

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def search(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/.search", json={"schemas": [SEARCH], **body})


def test_root_search_finds_users_then_groups(http: httpx.Client) -> None:
    tag = f"Shared {unique()}"
    user = new_user(http, displayName=tag)
    group = new_group(http, [user["id"]], displayName=tag)
    both = search(http, filter=f'displayName eq "{tag}"')
    assert both.status_code == 200, both.text
    assert both.json()["totalResults"] == 2 and both.json()["Resources"] == [http.get(f"/Users/{user['id']}").json(),
                                                                            group]
    shaped = search(http, filter=f'displayName eq "{tag}"', attributes=["displayName", "members.value"]).json()
    assert shaped["Resources"] == [{"id": user["id"], "schemas": user["schemas"], "displayName": tag},
                                   {"id": group["id"], "schemas": group["schemas"], "displayName": tag,
                                    "members": [{"value": user["id"]}]}]
    lean = search(http, filter=f'displayName eq "{tag}"', excludedAttributes=["members"]).json()["Resources"]
    assert "members" not in lean[1] and lean[1]["displayName"] == tag and lean[0]["userName"] == user["userName"]
    second = search(http, filter=f'displayName eq "{tag}"', startIndex=2, count=1).json()
    assert (second["totalResults"], second["itemsPerPage"], second["Resources"][0]["id"]) == (2, 1, group["id"])


def test_root_search_filters_each_type_with_its_own_schema(http: httpx.Client) -> None:
    user = new_user(http)
    group = new_group(http, [user["id"]])
    only_users = search(http, filter=f'userName eq "{user["userName"]}"').json()
    assert [r["id"] for r in only_users["Resources"]] == [user["id"]]
    only_groups = search(http, filter=f'members.value eq "{user["id"]}"', excludedAttributes="members").json()
    assert [r["id"] for r in only_groups["Resources"]] == [group["id"]]
    for body, scim_type in (({"filter": 'shoeSize eq "x"'}, "invalidFilter"),
                            ({"attributes": ["shoeSize"]}, "invalidValue"),
                            ({"sortBy": "shoeSize"}, "invalidValue"),
                            ({"count": "many"}, "invalidValue")):
        response = search(http, **body)
        assert response.status_code == 400 and response.json()["scimType"] == scim_type, body
