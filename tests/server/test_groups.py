"""The /Groups endpoints over real HTTP, on both backends: create, read, list, replace, patch, delete, ETags,
errors, the audit trail and discovery."""

from __future__ import annotations

import httpx

from tests.conftest import RunningServer
from tests.server.group_helpers import GROUP, history, member_ids, new_group, new_user, new_users
from tests.server.helpers import patch, unique


def test_create_returns_the_group_with_meta_location_and_etag(http: httpx.Client) -> None:
    named = new_user(http, displayName="Ada L.")
    plain = new_user(http)
    name = f"Sales {unique()}"
    response = http.post("/Groups", json={"schemas": [GROUP], "displayName": name, "externalId": "ext-1", "members": [
        {"value": named["id"]}, {"value": plain["id"], "type": "User", "display": "not kept", "$ref": None}]})
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    group = response.json()
    assert response.headers["etag"] == group["meta"]["version"] == 'W/"1"'
    assert response.headers["location"] == group["meta"]["location"]
    assert group["meta"]["location"].endswith(f"/Groups/{group['id']}")
    assert group["schemas"] == [GROUP] and group["meta"]["resourceType"] == "Group"
    assert (group["displayName"], group["externalId"]) == (name, "ext-1")
    members = {m["value"]: m for m in group["members"]}
    assert set(members) == {named["id"], plain["id"]}
    assert all(m["type"] == "User" and m["$ref"].endswith(f"/Users/{v}") for v, m in members.items())
    assert members[named["id"]]["display"] == "Ada L."  # the user's displayName, not what a client said
    assert "display" not in members[plain["id"]]
    assert http.get(f"/Groups/{group['id']}").json() == group


def test_a_group_without_members_has_none(http: httpx.Client) -> None:
    group = new_group(http)
    assert "members" not in group and "externalId" not in group
    assert "members" not in http.get(f"/Groups/{group['id']}").json()


def test_display_name_is_required_and_unique_case_insensitively(http: httpx.Client) -> None:
    for body in ({"schemas": [GROUP]}, {"schemas": [GROUP], "displayName": ""}, {"displayName": " "}):
        response = http.post("/Groups", json=body)
        assert response.status_code == 400 and response.json()["scimType"] == "invalidValue", body
    taken = new_group(http)["displayName"]
    response = http.post("/Groups", json={"schemas": [GROUP], "displayName": taken.upper()})
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"
    assert "displayName" in response.json()["detail"]
    other = new_group(http)
    rename = http.patch(f"/Groups/{other['id']}", json=patch({"op": "replace", "path": "displayName",
                                                               "value": taken.lower()}))
    assert rename.status_code == 409
    assert http.get(f"/Groups/{other['id']}").json() == other


def test_bodies_that_are_not_groups_are_refused(http: httpx.Client) -> None:
    for body, scim_type in (([], "invalidSyntax"),
                            ({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"},
                             "invalidSyntax"),
                            ({"displayName": f"x {unique()}", "owner": "me"}, "invalidSyntax"),
                            ({"displayName": f"x {unique()}", "members": ["id"]}, "invalidValue"),
                            ({"displayName": f"x {unique()}", "members": [{"value": "x", "color": 1}]},
                             "invalidSyntax"),
                            ({"displayName": 42}, "invalidValue")):
        response = http.post("/Groups", json=body)
        assert response.status_code == 400 and response.json()["scimType"] == scim_type, body


def test_members_must_be_users_of_the_roster(http: httpx.Client) -> None:
    [user] = new_users(http, 1)
    name = f"Unknown {unique()}"
    response = http.post("/Groups", json={"schemas": [GROUP], "displayName": name,
                                          "members": [{"value": user}, {"value": "no-such-user"}]})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert "no-such-user" in response.json()["detail"]
    assert http.get("/Groups", params={"filter": f'displayName eq "{name}"'}).json()["totalResults"] == 0
    group = new_group(http)
    nested = http.post("/Groups", json={"schemas": [GROUP], "displayName": f"Nested {unique()}",
                                        "members": [{"value": group["id"], "type": "Group"}]})
    assert nested.status_code == 400 and "groups do not nest" in nested.json()["detail"]
    add = http.patch(f"/Groups/{group['id']}", json=patch({"op": "add", "path": "members",
                                                           "value": [{"value": user}, {"value": group["id"]}]}))
    assert add.status_code == 400 and add.json()["scimType"] == "invalidValue"
    assert http.get(f"/Groups/{group['id']}").json() == group  # nothing of the refused write was kept


def test_get_honours_if_none_match_and_projections(http: httpx.Client) -> None:
    group = new_group(http, new_users(http, 2), externalId=f"e-{unique()}")
    url = f"/Groups/{group['id']}"
    unchanged = http.get(url, headers={"If-None-Match": group["meta"]["version"]})
    assert unchanged.status_code == 304 and unchanged.headers["etag"] == group["meta"]["version"]
    assert http.get(url, headers={"If-None-Match": 'W/"99"'}).status_code == 200
    lean = http.get(url, params={"excludedAttributes": "members"}).json()
    assert lean == {k: v for k, v in group.items() if k != "members"}
    assert set(http.get(url, params={"attributes": "displayName"}).json()) == {"schemas", "id", "displayName"}
    values = http.get(url, params={"attributes": "members.value"}).json()["members"]
    assert {m["value"] for m in values} == member_ids(group) and all(set(m) == {"value"} for m in values)
    bad = http.get(url, params={"attributes": "userName"})
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidValue"
    assert http.get("/Groups/no-such-group").status_code == 404


def test_list_filters_sorts_and_pages(http: httpx.Client) -> None:
    tag = unique()
    users = new_users(http, 2)
    made = [new_group(http, users[:i], displayName=f"{tag} {name}", externalId=f"{tag}-{i}")
            for i, name in enumerate(["Charlie", "alpha", "Bravo"])]
    page = http.get("/Groups", params={"filter": f'displayName sw "{tag}"', "sortBy": "displayName",
                                       "startIndex": 2, "count": 1}).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert page["Resources"][0]["displayName"] == f"{tag} Bravo"  # case-insensitive order
    every = http.get("/Groups", params={"filter": f'displayName sw "{tag}"', "sortBy": "displayName",
                                        "sortOrder": "descending"}).json()["Resources"]
    assert [g["displayName"] for g in every] == [f"{tag} {n}" for n in ("Charlie", "Bravo", "alpha")]
    assert every[0] == made[0]
    for flt, expected in ((f'displayName eq "{tag} ALPHA"', [made[1]]), (f'externalId eq "{tag}-2"', [made[2]]),
                          (f'id eq "{made[2]["id"]}"', [made[2]]),
                          (f'members.value eq "{users[1]}"', [made[2]]),
                          (f'displayName sw "{tag}" and members[value eq "{users[0]}"]', [made[1], made[2]]),
                          (f'displayName sw "{tag}" and not (members pr)', [made[0]])):
        found = http.get("/Groups", params={"filter": flt, "sortBy": "meta.created"}).json()
        assert found["Resources"] == expected, flt
    for flt in ('userName eq "x"', 'members.$ref eq "x"', 'displayName eq 1'):
        response = http.get("/Groups", params={"filter": flt})
        assert response.status_code == 400 and response.json()["scimType"] == "invalidFilter", flt
    assert http.get("/Groups", params={"sortBy": "members"}).status_code == 400


def test_search_with_post(http: httpx.Client) -> None:
    group = new_group(http, new_users(http, 1))
    response = http.post("/Groups/.search", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": f'displayName eq "{group["displayName"]}"', "excludedAttributes": ["members"]})
    assert response.status_code == 200, response.text
    assert response.json()["Resources"] == [{k: v for k, v in group.items() if k != "members"}]


def test_put_replaces_the_whole_group(http: httpx.Client) -> None:
    users = new_users(http, 3)
    group = new_group(http, users[:2], externalId="old")
    name = f"Renamed {unique()}"
    response = http.put(f"/Groups/{group['id']}", json={"schemas": [GROUP], "id": group["id"], "displayName": name,
                                                        "members": [{"value": users[1]}, {"value": users[2]}]})
    assert response.status_code == 200, response.text
    replaced = response.json()
    assert replaced["displayName"] == name and "externalId" not in replaced
    assert member_ids(replaced) == set(users[1:]) and replaced["meta"]["version"] == 'W/"2"'
    emptied = http.put(f"/Groups/{group['id']}", json={"schemas": [GROUP], "displayName": name}).json()
    assert "members" not in emptied and emptied["meta"]["version"] == 'W/"3"'
    same = http.put(f"/Groups/{group['id']}", json={"schemas": [GROUP], "displayName": name})
    assert same.json()["meta"]["version"] == 'W/"3"'  # nothing changed, no new version


def test_if_match_guards_every_write(http: httpx.Client) -> None:
    group = new_group(http)
    url, body = f"/Groups/{group['id']}", {"schemas": [GROUP], "displayName": group["displayName"], "externalId": "x"}
    stale = {"If-Match": 'W/"7"'}
    assert http.put(url, json=body, headers=stale).status_code == 412
    assert http.patch(url, json=patch({"op": "replace", "path": "externalId", "value": "y"}),
                      headers=stale).status_code == 412
    assert http.delete(url, headers=stale).status_code == 412
    bad = http.delete(url, headers={"If-Match": "nonsense"})
    assert bad.status_code == 412 and "group" in bad.json()["detail"]
    assert http.get(url).json() == group
    current = {"If-Match": group["meta"]["version"]}
    assert http.put(url, json=body, headers=current).json()["meta"]["version"] == 'W/"2"'
    assert http.delete(url, headers={"If-Match": "*"}).status_code == 204
    assert http.get(url).status_code == 404
    for response in (http.put(url, json=body), http.patch(url, json=patch({"op": "remove", "path": "members"})),
                     http.delete(url)):
        assert response.status_code == 404 and "Group" in response.json()["detail"]


def test_every_group_write_is_audited(http: httpx.Client) -> None:
    users = new_users(http, 2)
    group = new_group(http, users[:1], externalId="e1")
    url = f"/Groups/{group['id']}"
    http.patch(url, json=patch({"op": "add", "path": "members", "value": [{"value": users[1]}]}))
    http.put(url, json={"schemas": [GROUP], "displayName": group["displayName"], "members": [{"value": users[1]}]})
    http.delete(url)
    entries = history(http, group["id"])
    assert [e["action"] for e in entries] == ["group-delete", "group-replace", "group-patch", "group-create"]
    assert {e["token"] for e in entries} == {"env"}
    delete, replace, add, create = (e["changes"] for e in entries)
    assert create == {"displayName": [None, group["displayName"]], "externalId": [None, "e1"],
                      "members": {"added": users[:1], "removed": []}}
    assert add == {"members": {"added": users[1:], "removed": []}}
    assert replace == {"externalId": ["e1", None], "members": {"added": [], "removed": users[:1]}}
    assert delete == {"displayName": [group["displayName"], None], "members": {"added": [], "removed": users[1:]}}
    assert http.get("/Groups/no-such-group/history").status_code == 404


def test_discovery_publishes_the_group_schema_and_resource_type(http: httpx.Client) -> None:
    resource_type = http.get("/ResourceTypes/Group").json()
    assert (resource_type["endpoint"], resource_type["schema"]) == ("/Groups", GROUP)
    schema = http.get(f"/Schemas/{GROUP}").json()
    attributes = {a["name"]: a for a in schema["attributes"]}
    assert attributes["displayName"]["required"] and attributes["displayName"]["uniqueness"] == "server"
    members = {a["name"]: a for a in attributes["members"]["subAttributes"]}
    assert members["$ref"]["referenceTypes"] == ["User"] and members["display"]["mutability"] == "readOnly"
    user = http.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    [groups] = [a for a in user["attributes"] if a["name"] == "groups"]
    assert groups["mutability"] == "readOnly"
    assert {a["name"]: a["mutability"] for a in groups["subAttributes"]} == {
        "value": "readOnly", "$ref": "readOnly", "display": "readOnly", "type": "readOnly"}
    assert GROUP in {s["id"] for s in http.get("/Schemas").json()["Resources"]}


def test_patch_paths_and_refusals(http: httpx.Client) -> None:
    users = new_users(http, 3)
    group = new_group(http, users[:2])
    url = f"/Groups/{group['id']}"

    def patched(*operations: dict) -> httpx.Response:
        return http.patch(url, json=patch(*operations))

    done = patched({"op": "add", "path": "externalId", "value": "e-1"},
                   {"op": "replace", "path": f'members[value eq "{users[0]}"]', "value": [{"value": users[2]}]})
    assert done.status_code == 200, done.text
    assert done.json()["externalId"] == "e-1" and member_ids(done.json()) == set(users[1:])
    assert done.json()["meta"]["version"] == 'W/"2"'  # one PATCH, one version
    done = patched({"op": "remove", "path": "externalId"}, {"op": "remove", "path": "members"})
    assert "externalId" not in done.json() and "members" not in done.json()
    done = patched({"op": "add", "value": {"members": [{"value": users[0]}], "externalId": "e-2",
                                           "schemas": [GROUP]}})
    assert member_ids(done.json()) == {users[0]} and done.json()["externalId"] == "e-2"
    for operation, scim_type in (({"op": "replace", "path": "members.value", "value": "x"}, "mutability"),
                                 ({"op": "remove", "path": f'members[value eq "{users[0]}"].type'}, "mutability"),
                                 ({"op": "replace", "path": "id", "value": "x"}, "mutability"),
                                 ({"op": "replace", "value": {"meta": {}}}, "mutability"),
                                 ({"op": "remove", "path": "displayName"}, "invalidValue"),
                                 ({"op": "replace", "path": "displayName", "value": ""}, "invalidValue"),
                                 ({"op": "add", "path": f'members[value eq "{users[1]}"]', "value": [{"value": "x"}]},
                                  "invalidPath"),
                                 ({"op": "add", "path": "owner", "value": "x"}, "invalidPath"),
                                 ({"op": "add", "value": {"owner": "x"}}, "invalidSyntax"),
                                 ({"op": "remove"}, "noTarget"),
                                 ({"op": "move", "path": "members"}, "invalidSyntax"),
                                 ({"op": "add", "path": "members"}, "invalidValue")):
        response = patched(operation)
        assert response.status_code == 400 and response.json()["scimType"] == scim_type, operation
    assert http.get(url).json() == done.json()


def test_every_group_endpoint_needs_the_bearer_token(server: RunningServer) -> None:
    group_id = "00000000-0000-0000-0000-000000000000"
    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        for method, path in (("GET", "/Groups"), ("POST", "/Groups"), ("POST", "/Groups/.search"),
                             ("GET", f"/Groups/{group_id}"), ("PUT", f"/Groups/{group_id}"),
                             ("PATCH", f"/Groups/{group_id}"), ("DELETE", f"/Groups/{group_id}"),
                             ("GET", f"/Groups/{group_id}/history"), ("POST", "/.search")):
            response = anonymous.request(method, path, json={})
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
