"""OneLogin's, JumpCloud's and Google Workspace's user provisioning replayed against the roster API.

OneLogin sends the SCIM JSON template an admin keeps in the app's Configuration tab, its placeholders filled in
(a parameter the user lacks becomes ""): the template is the one of the "SCIM Provisioner with SAML (SCIM v2
Enterprise)" connector as OneLogin's "SCIM Custom Connector" article and vendors' setup guides print it.
JumpCloud ("Identity Management using a Custom SCIM Integration") and Google Workspace ("Automated user
provisioning") document which attributes they map, not their request bodies: those bodies are the RFC 7643 form
of the mapped attributes, updates one replace operation per attribute, deactivation ``active`` false, and removal
a DELETE. Names and ids carry a unique part, so that a run does not meet the users of another.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.server.helpers import unique
from tests.server.replay import ENT, deleted, expect, found, patched, put, stored, typed

ONELOGIN_TEMPLATE = """{
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
  ],
  "userName": "{$parameters.scimusername}",
  "name": {
    "familyName": "{$user.lastname}",
    "givenName": "{$user.firstname}"
  },
  "title": "{$parameters.title}",
  "userType": "{$parameters.userType}",
  "timezone": "{$parameters.timezone}",
  "emails": [
    {
      "value": "{$user.email}",
      "type": "work",
      "primary": true
    }
  ],
  "addresses": [
    {
      "locality": "{$user.city}",
      "region": "{$user.state}",
      "country": "{$user.country}"
    }
  ],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "organization": "{$parameters.organization}",
    "division": "{$parameters.division}",
    "department": "{$parameters.department}",
    "manager": {
      "value": "{$parameters.external_manager_id}",
      "displayName": "{$user.manager_firstname} {$user.manager_lastname}"
    }
  }
}"""
#: The template of Keepnet Labs' OneLogin guide also sends the user's status, as OneLogin fills it: a string.
ONELOGIN_STATUS = '"active": "{$user.active}",'


def onelogin(template: str, values: dict[str, str]) -> dict[str, Any]:
    """The body OneLogin sends: each ``{$…}`` placeholder replaced by the user's value, "" if none."""
    return json.loads(re.sub(r"\{\$([\w.]+)\}", lambda m: values.get(m.group(1), ""), template))


def onelogin_person(first: str, last: str, **more: str) -> dict[str, str]:
    email = f"{first}.{last}.{unique()}@example.com".lower()
    return {"parameters.scimusername": email, "user.email": email, "user.firstname": first, "user.lastname": last,
            "user.city": "Hollywood", "user.state": "CA", "user.country": "US",
            "parameters.organization": "Universal Studios", "parameters.timezone": "America/Los_Angeles", **more}


def test_onelogin(http: httpx.Client) -> None:
    boss_values = onelogin_person("John", "Smith", **{"parameters.title": "Director"})
    boss = expect(http.post("/Users", json=onelogin(ONELOGIN_TEMPLATE, boss_values)), 201)
    held = stored(http, boss["id"])
    assert held["title"] == "Director" and held["timezone"] == "America/Los_Angeles"
    assert held[ENT] == {"organization": "Universal Studios"}  # no manager: "" and " " are no values
    assert held["addresses"] == [{"locality": "Hollywood", "region": "CA", "country": "US"}]
    assert "userType" not in held
    values = onelogin_person("Barbara", "Jensen", **{
        "parameters.title": "Tour Guide", "parameters.userType": "Employee", "parameters.department": "Tours",
        "parameters.external_manager_id": boss["id"], "user.manager_firstname": "John",
        "user.manager_lastname": "Smith", "user.active": "true"})
    user_name = values["parameters.scimusername"]
    assert found(http, f'userName eq "{user_name}"') == []
    created = expect(http.post("/Users", json=onelogin(ONELOGIN_TEMPLATE, values)), 201)
    uid = created["id"]
    assert [u["id"] for u in found(http, f'userName eq "{user_name}"')] == [uid]
    held = stored(http, uid)
    assert held[ENT] == {"organization": "Universal Studios", "department": "Tours",
                         "manager": {"value": boss["id"]}}  # displayName is the service's to give, not set
    assert held["userType"] == "Employee" and held["name"] == {"familyName": "Jensen", "givenName": "Barbara"}
    # A profile update sends the template again.
    values["parameters.title"] = "Senior Tour Guide"
    values["parameters.division"] = "Theme Park"
    after = put(http, uid, onelogin(ONELOGIN_TEMPLATE, values))
    assert after["title"] == "Senior Tour Guide" and after[ENT]["division"] == "Theme Park"
    assert after[ENT]["manager"] == {"value": boss["id"]} and after["active"] is True
    # Suspension and reactivation, with the template that carries the status.
    with_status = ONELOGIN_TEMPLATE.replace('"userName"', ONELOGIN_STATUS + '\n  "userName"', 1)
    values["user.active"] = "false"
    off = put(http, uid, onelogin(with_status, values))
    assert off["active"] is False and off["title"] == "Senior Tour Guide"
    values["user.active"] = "true"
    assert put(http, uid, onelogin(with_status, values))["active"] is True
    deleted(http, uid, user_name)
    deleted(http, boss["id"], boss["userName"])


def jumpcloud_user(user_name: str) -> dict[str, Any]:
    """JumpCloud's mapped attributes: username, email, first and last name, display name, job title,
    employee type, employee ID, department, cost center, company, phone numbers, work address, status."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "userName": user_name,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Barbara Jensen",
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "title": "Tour Guide",
        "userType": "Employee",
        "active": True,
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                       "region": "CA", "postalCode": "91608", "country": "US"}],
        ENT: {"employeeNumber": f"JC{unique()}", "department": "Tours", "costCenter": "4130",
              "organization": "Universal Studios"},
    }


def test_jumpcloud(http: httpx.Client) -> None:
    user_name = f"bjensen.{unique()}@example.com"
    assert found(http, f'userName eq "{user_name}"') == []
    body = jumpcloud_user(user_name)
    uid = expect(http.post("/Users", json=body), 201)["id"]
    held = stored(http, uid)
    assert held["phoneNumbers"] == body["phoneNumbers"] and held["addresses"] == body["addresses"]
    assert held[ENT] == body[ENT] and held["userType"] == "Employee"
    assert [u["id"] for u in found(http, f'userName eq "{user_name}"')] == [uid]
    # One replace per changed attribute, with its path.
    after = patched(http, uid,
                    {"op": "replace", "path": "name.givenName", "value": "Babs"},
                    {"op": "replace", "path": "title", "value": "Senior Tour Guide"},
                    {"op": "replace", "path": f"{ENT}:costCenter", "value": "4140"})
    assert after["name"] == {"givenName": "Babs", "familyName": "Jensen"} and after["title"] == "Senior Tour Guide"
    assert after[ENT]["costCenter"] == "4140" and after[ENT]["organization"] == "Universal Studios"
    assert after["phoneNumbers"] == body["phoneNumbers"] and after["addresses"] == body["addresses"]  # kept
    assert patched(http, uid, {"op": "replace", "path": "active", "value": False})["active"] is False
    assert patched(http, uid, {"op": "replace", "path": "active", "value": True})["active"] is True
    deleted(http, uid, user_name)


def test_google_workspace(http: httpx.Client) -> None:
    user_name = f"bjensen.{unique()}@example.com"
    external_id = f"1{unique()}"
    assert found(http, f'userName eq "{user_name}"') == []
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "externalId": external_id,
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
            "displayName": "Barbara Jensen", "emails": [{"value": user_name, "type": "work", "primary": True}],
            "phoneNumbers": [{"value": "+1 555 555 5555", "type": "work"}], "active": True}
    uid = expect(http.post("/Users", json=body), 201)["id"]
    held = stored(http, uid)
    assert held["externalId"] == external_id and held["phoneNumbers"] == body["phoneNumbers"]
    assert [u["id"] for u in found(http, f'userName eq "{user_name}"')] == [uid]
    assert [u["id"] for u in found(http, f'externalId eq "{external_id}"')] == [uid]
    after = patched(http, uid, {"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"},
                    {"op": "replace", "path": "name.formatted", "value": "Barbara Jensen-Smith"})
    assert after["name"] == {"givenName": "Barbara", "familyName": "Jensen-Smith", "formatted": "Barbara Jensen-Smith"}
    assert typed(after["phoneNumbers"], "work") == body["phoneNumbers"]  # not sent: kept
    assert patched(http, uid, {"op": "replace", "path": "active", "value": False})["active"] is False
    assert patched(http, uid, {"op": "replace", "path": "active", "value": True})["active"] is True
    deleted(http, uid, user_name)
