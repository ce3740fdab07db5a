"""Every attribute of RFC 7643's User (§4.1) and enterprise extension (§4.3): published, kept, returned,
filtered on; a password accepted and never kept; read-only attributes ignored on input."""

from __future__ import annotations

import base64
import copy
from typing import Any

import httpx
import orjson

from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import RunningServer
from tests.server.helpers import unique, user_body
from tests.server.replay import CORE, ENT, expect, found, patched, put, stored

CORE_NAMES = {"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
              "locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims", "photos", "addresses",
              "groups", "entitlements", "roles", "x509Certificates"}
ENTERPRISE_NAMES = {"employeeNumber", "costCenter", "organization", "division", "department", "manager"}
CERTIFICATE = base64.b64encode(bytes(range(256)) * 3).decode()  # 1,024 characters, as a DER certificate runs


def full_user(manager_id: str) -> dict[str, Any]:
    """RFC 7643 §8.2 "Full User Representation" with §8.3's enterprise part (unique names, a real manager)."""
    u = unique()
    return {
        "schemas": [CORE, ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": f"701984{u}",
        "userName": f"bjensen.{u}@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
                 "middleName": f"Jane{u}", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [{"value": f"bjensen.{u}@example.com", "type": "work", "primary": True},
                   {"value": "babs@jensen.org", "type": "home"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": f"Hollywood{u}",
                       "region": "CA", "postalCode": "91608", "country": "USA",
                       "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA", "primary": True},
                      {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood",
                       "region": "CA", "postalCode": "91608", "country": "USA",
                       "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"}],
        "phoneNumbers": [{"value": f"555-{u}", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
                   {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}],
        "userType": f"Employee{u}",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": True,
        "password": "t1meMa$heen",
        "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
                    "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
                    "display": "Tour Guides"}],
        "entitlements": [{"value": "tour-bus-driver", "display": "Tour bus driver"}],
        "x509Certificates": [{"value": CERTIFICATE}],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
                 "version": 'W/"3694e05e9dff591"',
                 "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"},
        ENT: {"employeeNumber": f"701984{u}", "costCenter": f"4130{u}", "organization": "Universal Studios",
              "division": "Theme Park", "department": "Tour Operations",
              "manager": {"value": manager_id, "$ref": f"../Users/{manager_id}", "displayName": "John Smith"}},
    }


def create_full(http: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    manager = expect(http.post("/Users", json=user_body(given="John", family="Smith")), 201)
    sent = full_user(manager["id"])
    return sent, expect(http.post("/Users", json=sent), 201)


def test_schemas_publish_every_user_and_enterprise_attribute(http: httpx.Client) -> None:
    core = {a["name"]: a for a in expect(http.get(f"/Schemas/{CORE}"), 200)["attributes"]}
    ent = {a["name"]: a for a in expect(http.get(f"/Schemas/{ENT}"), 200)["attributes"]}
    assert set(core) == CORE_NAMES and set(ent) == ENTERPRISE_NAMES

    def subs(a: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {s["name"]: s for s in a.get("subAttributes", [])}

    assert set(subs(core["name"])) == {"formatted", "familyName", "givenName", "middleName", "honorificPrefix",
                                       "honorificSuffix"}
    assert set(subs(core["addresses"])) == {"formatted", "streetAddress", "locality", "region", "postalCode",
                                            "country", "type", "primary"}
    assert (core["password"]["mutability"], core["password"]["returned"]) == ("writeOnly", "never")
    assert core["groups"]["mutability"] == "readOnly" and core["groups"]["multiValued"] is True
    assert subs(core["phoneNumbers"])["type"]["canonicalValues"] == ["work", "home", "mobile", "fax", "pager",
                                                                     "other"]
    assert subs(core["ims"])["type"]["canonicalValues"][:2] == ["aim", "gtalk"]
    assert subs(core["photos"])["value"]["referenceTypes"] == ["external"]
    assert core["profileUrl"]["type"] == "reference" and subs(core["x509Certificates"])["value"]["type"] == "binary"
    assert set(subs(core["emails"])) == {"value", "display", "type", "primary"}
    assert subs(ent["manager"])["displayName"]["mutability"] == "readOnly"


def test_full_user_is_kept_and_returned(http: httpx.Client) -> None:
    sent, created = create_full(http)
    held = stored(http, created["id"])
    assert held == created and held["id"] != sent["id"] and held["meta"]["version"] == 'W/"1"'
    for key, value in sent.items():
        if key not in ("id", "meta", "password", "groups", ENT):
            assert held[key] == value, key
    assert held[ENT] == {**sent[ENT], "manager": {"value": sent[ENT]["manager"]["value"],
                                                  "$ref": sent[ENT]["manager"]["$ref"]}}
    assert "password" not in held and "groups" not in held
    assert sorted(held["schemas"]) == sorted([CORE, ENT])


def test_password_is_accepted_and_never_kept(http: httpx.Client, server: RunningServer) -> None:
    sent, created = create_full(http)
    uid = created["id"]
    secret = f"Pa55-{unique()}"
    patched(http, uid, {"op": "add", "path": "password", "value": secret})
    replaced = put(http, uid, {**sent, "password": secret})
    assert "password" not in replaced
    assert "password" not in expect(http.get(f"/Users/{uid}", params={"attributes": "password,userName"}), 200)
    storage = SqlStorage(server.db)
    try:
        doc = storage.get(uid).doc
    finally:
        storage.close()
    assert secret not in doc and sent["password"] not in doc and "password" not in orjson.loads(doc)
    assert secret not in http.get(f"/Users/{uid}/history").text
    assert found(http, f'userName eq "{sent["userName"]}" and password pr') == []


def test_read_only_attributes_are_ignored_not_refused(http: httpx.Client) -> None:
    other = expect(http.post("/Users", json=user_body()), 201)
    user = expect(http.post("/Users", json=user_body()), 201)
    body = {**user_body(email=user["userName"], title="Guide"), "id": other["id"], "groups": [],
            "meta": {"resourceType": "User", "version": 'W/"99"'}}
    after = put(http, user["id"], body)
    assert after["id"] == user["id"] and after["title"] == "Guide" and "groups" not in after
    assert after["meta"]["version"] == 'W/"2"' and stored(http, other["id"])["meta"]["version"] == 'W/"1"'
    # A PATCH naming a read-only attribute as its target is refused (RFC 7644 §3.5.2: mutability).
    refused = expect(http.patch(f"/Users/{user['id']}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "groups", "value": [{"value": other["id"]}]}]}), 400)
    assert refused["scimType"] == "mutability"
    # A whole resource as a path-less value: its id, meta and groups are ignored.
    after = patched(http, user["id"], {"op": "replace", "value": {**after, "title": "Lead", "groups": []}})
    assert after["title"] == "Lead" and after["id"] == user["id"]


def test_new_attributes_are_validated_like_the_others(http: httpx.Client) -> None:
    cases = [
        ({"nickName": "Babs\x07"}, "invalidValue", "control character"),
        ({"timezone": "x" * 257}, "invalidValue", "longer than 256"),
        ({"phoneNumbers": "555-555-5555"}, "invalidValue", "must be an object"),
        ({"phoneNumbers": [{"value": 5555555555}]}, "invalidValue", "must be a string"),
        ({"addresses": [{"city": "Hollywood"}]}, "invalidSyntax", "unknown attribute 'addresses.city'"),
        ({"ims": [{"value": "a", "primary": True}, {"value": "b", "primary": True}]}, "invalidValue",
         "at most one value may be primary"),
        ({"x509Certificates": [{"value": "A" * 20000}]}, "invalidValue", "longer than 16384"),
        ({"profileUrl": "https://example.com/" + "p" * 3000}, "invalidValue", "longer than 2048"),
        ({"nickName": ["Babs"]}, "invalidValue", "takes a single value"),
        ({ENT: {"costCenter": 4130}}, "invalidValue", "must be a string"),
    ]
    for extra, scim_type, detail in cases:
        response = http.post("/Users", json={**user_body(), **extra})
        assert response.status_code == 400, (extra, response.text)
        assert response.json()["scimType"] == scim_type and detail in response.json()["detail"], (extra, response.text)


def test_filters_on_the_new_attributes(http: httpx.Client) -> None:
    sent, created = create_full(http)
    uid = created["id"]
    for query in (f'phoneNumbers.value eq "{sent["phoneNumbers"][0]["value"]}"',
                  f'phoneNumbers[type eq "work" and value eq "{sent["phoneNumbers"][0]["value"]}"]',
                  f'addresses[type eq "work" and locality eq "{sent["addresses"][0]["locality"]}"]',
                  f'userType eq "{sent["userType"]}"',
                  f'name.middleName sw "{sent["name"]["middleName"]}"',
                  f'{ENT}:costCenter eq "{sent[ENT]["costCenter"]}"',
                  f'emails[type eq "work"].value eq "{sent["userName"].upper()}"',
                  f'externalId eq "{sent["externalId"]}" and x509Certificates pr'):
        assert [u["id"] for u in found(http, query)] == [uid], query
    assert found(http, f'emails[type eq "home"].value eq "{sent["userName"]}"') == []
    shown = found(http, f'userType eq "{sent["userType"]}"', attributes="phoneNumbers.value,nickName")[0]
    assert shown == {"id": uid, "schemas": created["schemas"], "nickName": "Babs",
                     "phoneNumbers": [{"value": v["value"]} for v in sent["phoneNumbers"]]}


def test_patch_keeps_what_it_does_not_name(http: httpx.Client) -> None:
    _sent, created = create_full(http)
    after = patched(http, created["id"], {"op": "replace", "path": "title", "value": "Senior Tour Guide"})
    before = copy.deepcopy(created)
    for doc in (before, after):
        doc.pop("meta")
        doc.pop("title")
    assert after == before


def test_extension_attributes_sent_unqualified(http: httpx.Client) -> None:
    boss = expect(http.post("/Users", json=user_body()), 201)
    user = expect(http.post("/Users", json={**user_body(), "department": "Tours", "costCenter": "4130",
                                            ENT: {"costCenter": "4140"}}), 201)
    assert stored(http, user["id"])[ENT] == {"department": "Tours", "costCenter": "4140"}  # qualified wins
    after = patched(http, user["id"], {"op": "replace", "path": "manager.value", "value": boss["id"]})
    assert after[ENT]["manager"] == {"value": boss["id"]}
    after = patched(http, user["id"], {"op": "replace", "value": {"manager": None, "division": "Theme Park"}})
    assert after[ENT] == {"department": "Tours", "costCenter": "4140", "division": "Theme Park"}
    missing = expect(http.patch(f"/Users/{user['id']}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "manager", "value": "no-such-user"}]}), 400)
    assert "not a user of this roster" in missing["detail"]


ENTRA_EXT = "urn:ietf:params:scim:schemas:extension:Microsoft:Entra:2.0:User"


def test_a_schema_the_service_does_not_define_is_ignored_not_refused(http: httpx.Client) -> None:
    """Entra ID sends its own extension; its values are the sender's and are neither kept nor refused."""
    body = {**user_body(), "schemas": [CORE, ENTRA_EXT], ENTRA_EXT: {"mailNickname": "babs"}, "title": "Lead"}
    created = expect(http.post("/Users", json=body), 201)
    assert created["title"] == "Lead" and ENTRA_EXT not in created and ENTRA_EXT not in created["schemas"]
    after = patched(http, created["id"], {"op": "replace", "path": f"{ENTRA_EXT}:mailNickname", "value": "b"},
                    {"op": "add", "value": {f"{ENTRA_EXT}:mailNickname": "c", "title": "Head"}},
                    {"op": "replace", "value": {ENTRA_EXT: {"mailNickname": "d"}}})
    assert after["title"] == "Head" and ENTRA_EXT not in after
    # a misspelt attribute of the service's own schemas is still refused
    refused = expect(http.post("/Users", json={**user_body(), "favouriteColour": "red"}), 400)
    assert refused["scimType"] == "invalidSyntax" and "favouriteColour" in refused["detail"]
    refused = expect(http.post("/Users", json={**user_body(), ENT: {"favouriteColour": "red"}}), 400)
    assert "favouriteColour" in refused["detail"]
