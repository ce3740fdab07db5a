"""Group provisioning as identity providers do it, with the request bodies their documentation shows, on both
backends.

* Microsoft Entra ID, "Tutorial: Develop and plan provisioning for a SCIM endpoint", Group operations: create
  (with Entra's own schema URN listed), find by displayName without members, get, add and remove members (a
  value list with ``"$ref": null``, and the ``members[value eq "…"]`` path of its newer behaviour), rename, delete.
* Okta, "SCIM 2.0 protocol reference" (Group Push): create with no members, find, PUT with members, a rename
  without a path that carries the group's id, one PATCH removing by filter and adding, a removal by value list,
  delete.
* JumpCloud creates a test group when an integration is activated and deletes it (its documentation says so;
  the body is the minimal one of RFC 7643 §4.2).
"""

from __future__ import annotations

import uuid

import httpx

from tests.server.group_helpers import GROUP, group_ids_of, member_ids, new_user
from tests.server.helpers import unique

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTRA_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


def test_entra_id_group_sequence(http: httpx.Client) -> None:
    alice, bob = new_user(http)["id"], new_user(http)["id"]
    external_id, name = str(uuid.uuid4()), f"displayName {unique()}"
    created = http.post("/Groups", json={"schemas": [GROUP, ENTRA_GROUP], "externalId": external_id,
                                         "displayName": name, "meta": {"resourceType": "Group"}})
    assert created.status_code == 201, created.text
    group = created.json()
    url = f"/Groups/{group['id']}"
    assert (group["displayName"], group["externalId"], group["schemas"]) == (name, external_id, [GROUP])

    found = http.get("/Groups", params={"excludedAttributes": "members", "filter": f'displayName eq "{name}"'})
    assert found.status_code == 200 and found.json()["totalResults"] == 1
    assert found.json()["Resources"] == [group]
    assert http.get(url, params={"excludedAttributes": "members"}).json() == group

    added = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "Add", "path": "members", "value": [{"$ref": None, "value": alice}, {"$ref": None, "value": bob}]}]})
    assert added.status_code == 200, added.text
    assert member_ids(added.json()) == {alice, bob}
    assert http.get(url, params={"excludedAttributes": "members"}).json()["meta"]["version"] == 'W/"2"'

    removed = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "Remove", "path": "members", "value": [{"$ref": None, "value": alice}]}]})
    assert removed.status_code == 200 and member_ids(removed.json()) == {bob}
    newer = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "remove", "path": f'members[value eq "{bob}"]'}]})
    assert newer.status_code == 200 and "members" not in newer.json()
    again = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{  # a retried removal is no error
        "op": "remove", "path": f'members[value eq "{bob}"]'}]})
    assert again.status_code == 200 and again.json()["meta"]["version"] == newer.json()["meta"]["version"]

    renamed = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "Replace", "path": "displayName", "value": f"{name}updatedDisplayName"}]})
    assert renamed.status_code == 200 and renamed.json()["displayName"] == f"{name}updatedDisplayName"
    assert renamed.json()["externalId"] == external_id

    assert http.delete(url).status_code == 204
    assert http.get(url).status_code == 404
    assert group_ids_of(http.get(f"/Users/{alice}").json()) == set()


def test_okta_group_push_sequence(http: httpx.Client) -> None:
    first, second, third = (new_user(http) for _ in range(3))
    name = f"Test SCIMv2 {unique()}"
    created = http.post("/Groups", json={"schemas": [GROUP], "displayName": name, "members": []})
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    url = f"/Groups/{group_id}"
    assert http.get(url).json() == created.json()
    listed = http.get("/Groups", params={"filter": f'displayName eq "{name}"', "startIndex": 1, "count": 100})
    assert [g["id"] for g in listed.json()["Resources"]] == [group_id]

    put = http.put(url, json={"schemas": [GROUP], "id": group_id, "displayName": name, "members": [
        {"value": first["id"], "display": first["userName"]}, {"value": second["id"], "display": second["userName"]}]})
    assert put.status_code == 200, put.text
    assert member_ids(put.json()) == {first["id"], second["id"]}

    renamed = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "replace", "value": {"id": group_id, "displayName": f"{name} renamed"}}]})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["displayName"] == f"{name} renamed" and member_ids(renamed.json()) == member_ids(put.json())

    swapped = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{first["id"]}"]'},
        {"op": "add", "path": "members", "value": [{"value": third["id"], "display": third["userName"]}]}]})
    assert swapped.status_code == 200, swapped.text
    assert member_ids(swapped.json()) == {second["id"], third["id"]}
    assert group_id in group_ids_of(http.get(f"/Users/{third['id']}").json())

    by_value = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "remove", "path": "members", "value": [{"value": second["id"], "display": second["userName"]}]}]})
    assert by_value.status_code == 200 and member_ids(by_value.json()) == {third["id"]}

    replaced = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "replace", "path": "members", "value": [{"value": first["id"]}]}]})
    assert replaced.status_code == 200 and member_ids(replaced.json()) == {first["id"]}

    other_id = http.patch(url, json={"schemas": [PATCH_OP], "Operations": [{
        "op": "replace", "value": {"id": "someone-else", "displayName": "x"}}]})
    assert other_id.status_code == 400 and other_id.json()["scimType"] == "mutability"

    assert http.delete(url).status_code == 204
    assert http.get("/Groups", params={"filter": f'displayName eq "{name} renamed"'}).json()["totalResults"] == 0
    assert all(http.get(f"/Users/{u['id']}").status_code == 200 for u in (first, second, third))


def test_jumpcloud_test_group_is_created_and_deleted(http: httpx.Client) -> None:
    name = f"JumpCloud Test Group {unique()}"
    created = http.post("/Groups", json={"schemas": [GROUP], "displayName": name})
    assert created.status_code == 201, created.text
    url = f"/Groups/{created.json()['id']}"
    assert http.delete(url).status_code == 204
    assert http.get(url).status_code == 404
    assert http.get("/Groups", params={"filter": f'displayName eq "{name}"'}).json()["totalResults"] == 0
