"""The Users endpoints over real HTTP: create, read, replace, patch, delete, ETags, errors."""

from __future__ import annotations

import httpx

from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER
from tests.server.helpers import patch, unique, user_body


def create(http: httpx.Client, **kw: object) -> dict:
    response = http.post("/Users", json=user_body(**kw))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_resource_with_meta_and_location(http: httpx.Client) -> None:
    body = user_body(employeeNumber=f"E{unique()}", department="Legal", location="Dublin, IE",
                     hireDate="2024-02-29", title="Counsel")
    response = http.post("/Users", json=body)
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/scim+json")
    user = response.json()
    assert user["userName"] == body["userName"]
    assert user[ENTERPRISE_USER]["department"] == "Legal"
    assert user[ROSTER_USER] == {"location": "Dublin, IE", "hireDate": "2024-02-29"}
    assert user["active"] is True
    assert user["meta"]["version"] == 'W/"1"'
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["location"].endswith(f"/Users/{user['id']}")
    assert http.get(f"/Users/{user['id']}").json() == user


def test_attribute_names_are_case_insensitive(http: httpx.Client) -> None:
    email = f"CI.{unique()}@Example.com"
    response = http.post("/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                         "USERNAME": email, "Name": {"GIVENNAME": "A", "familyname": "B"}})
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["name"] == {"givenName": "A", "familyName": "B"}
    assert user["emails"] == [{"value": email, "type": "work", "primary": True}]


def test_uniqueness_is_case_insensitive_and_409(http: httpx.Client) -> None:
    email = f"dup.{unique()}@example.com"
    create(http, email=email)
    response = http.post("/Users", json=user_body(email=email.upper()))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    number = f"E{unique()}"
    create(http, employeeNumber=number)
    response = http.post("/Users", json=user_body(employeeNumber=number.lower()))
    assert response.status_code == 409
    assert "employeeNumber" in response.json()["detail"]


def test_replace_with_if_match_and_stale_etag(http: httpx.Client) -> None:
    user = create(http)
    body = user_body(email=user["userName"], title="Engineer")
    ok = http.put(f"/Users/{user['id']}", json=body, headers={"If-Match": 'W/"1"'})
    assert ok.status_code == 200
    assert ok.json()["title"] == "Engineer"
    assert ok.json()["meta"]["version"] == 'W/"2"'
    stale = http.put(f"/Users/{user['id']}", json=body | {"title": "Other"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert http.get(f"/Users/{user['id']}").json()["title"] == "Engineer"


def test_if_none_match_gives_304(http: httpx.Client) -> None:
    user = create(http)
    response = http.get(f"/Users/{user['id']}", headers={"If-None-Match": user["meta"]["version"]})
    assert response.status_code == 304
    assert http.get(f"/Users/{user['id']}", headers={"If-None-Match": 'W/"99"'}).status_code == 200


def test_put_without_active_keeps_status(http: httpx.Client) -> None:
    user = create(http, active=False)
    body = user_body(email=user["userName"])
    body.pop("active", None)
    assert http.put(f"/Users/{user['id']}", json=body).json()["active"] is False


def test_patch_value_path_and_extension_urn(http: httpx.Client) -> None:
    user = create(http)
    new_email = f"new.{unique()}@example.com"
    response = http.patch(f"/Users/{user['id']}", json=patch(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": new_email},
        {"op": "add", "path": f"{ENTERPRISE_USER}:department", "value": "Finance"},
        {"op": "replace", "path": "name.givenName", "value": "Grace"},
        {"op": "add", "path": "roles", "value": [{"value": "training admin"}]},
    ))
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["emails"][0]["value"] == new_email
    assert out[ENTERPRISE_USER]["department"] == "Finance"
    assert out["name"]["givenName"] == "Grace"
    assert out["roles"] == [{"value": "Training Admin"}]
    removed = http.patch(f"/Users/{user['id']}", json=patch({"op": "remove", "path": "roles"})).json()
    assert "roles" not in removed


def test_patch_without_path_and_azure_style_ops(http: httpx.Client) -> None:
    user = create(http)
    response = http.patch(f"/Users/{user['id']}", json=patch(
        {"op": "Replace", "value": {"title": "Lead", "active": False}},
        {"op": "Add", "path": 'emails[type eq "home"].value', "value": "home@example.org"},
    ))
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["title"] == "Lead" and out["active"] is False
    assert {"type": "home", "value": "home@example.org"} in out["emails"]


def test_patch_errors(http: httpx.Client) -> None:
    user = create(http)
    url = f"/Users/{user['id']}"
    cases = [
        (patch({"op": "replace", "path": 'emails[type eq "other"].value', "value": "x@y.com"}), "noTarget"),
        (patch({"op": "remove"}), "noTarget"),
        (patch({"op": "replace", "path": "id", "value": "x"}), "mutability"),
        (patch({"op": "add", "path": "favouriteColour", "value": "x"}), "invalidPath"),
        (patch({"op": "add", "path": "emails[type eq ]", "value": "x"}), "invalidFilter"),
        (patch({"op": "explode", "path": "title", "value": "x"}), "invalidSyntax"),
        (patch({"op": "remove", "path": "userName"}), "invalidValue"),
        (patch({"op": "replace", "path": "roles", "value": [{"value": "Supreme Leader"}]}), "invalidValue"),
    ]
    for body, scim_type in cases:
        response = http.patch(url, json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["scimType"] == scim_type, (body, response.text)
    assert http.get(url).json()["meta"]["version"] == 'W/"1"'  # nothing was written


def test_bad_input_gets_scim_errors_not_500(http: httpx.Client) -> None:
    malformed = http.post("/Users", content=b'{"userName": ', headers={"Content-Type": "application/scim+json"})
    assert malformed.status_code == 400 and malformed.json()["scimType"] == "invalidSyntax"
    unknown = http.post("/Users", json=user_body(favouriteColour="blue"))
    assert unknown.status_code == 400 and "favouriteColour" in unknown.json()["detail"]
    wrong_type = http.post("/Users", json=user_body(active="yes"))
    assert wrong_type.status_code == 400 and wrong_type.json()["scimType"] == "invalidValue"
    bad_email = http.post("/Users", json=user_body(email="not-an-email"))
    assert bad_email.status_code == 400
    huge = http.post("/Users", json=user_body(title="x" * 2_000_000))
    assert huge.status_code == 413
    assert http.get("/Users", params={"filter": 'userName eq "x" and'}).json()["scimType"] == "invalidFilter"
    assert http.get("/Users/does-not-exist").status_code == 404
    assert http.get("/Nope").json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_values_the_backends_store_differently_are_not_500(http: httpx.Client) -> None:
    long_date = http.post("/Users", json=user_body(hireDate="sometime in the spring of 2019, or so they say"))
    assert long_date.status_code == 201, long_date.text  # PostgreSQL once limited the column to 32 characters
    assert http.delete(f"/Users/{long_date.json()['id']}").status_code == 204  # the server is shared: an
    # export of it is imported again elsewhere, and this date is no import date
    for flt in ('title eq "a\\u0000b"', 'emails.value sw "\\u0000"'):  # PostgreSQL text cannot hold NUL
        assert http.get("/Users", params={"filter": flt}).status_code in (200, 400), flt
    assert http.get("/Users/a%00b").status_code in (400, 404)


def test_manager_must_exist(http: httpx.Client) -> None:
    boss = create(http)
    user = create(http)
    ok = http.patch(f"/Users/{user['id']}", json=patch(
        {"op": "add", "path": f"{ENTERPRISE_USER}:manager", "value": {"value": boss["id"]}}))
    assert ok.status_code == 200
    missing = http.patch(f"/Users/{user['id']}", json=patch(
        {"op": "replace", "path": f"{ENTERPRISE_USER}:manager.value", "value": "no-such-id"}))
    assert missing.status_code == 400 and "manager" in missing.json()["detail"]


def test_delete_then_404(http: httpx.Client) -> None:
    user = create(http)
    assert http.delete(f"/Users/{user['id']}", headers={"If-Match": 'W/"7"'}).status_code == 412
    assert http.delete(f"/Users/{user['id']}").status_code == 204
    assert http.get(f"/Users/{user['id']}").status_code == 404
    assert http.delete(f"/Users/{user['id']}").status_code == 404


def test_bad_sort_and_paging_parameters_are_400(http: httpx.Client) -> None:
    assert http.get("/Users", params={"sortBy": ","}).status_code == 200  # no attribute named: no sort
    for params in ({"sortBy": "nickName"}, {"sortBy": "userName,title"},
                   {"sortOrder": "sideways"}, {"count": "many"}, {"startIndex": "1.5"}):
        response = http.get("/Users", params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["scimType"] == "invalidValue"


def test_malformed_search_and_bulk_messages_are_400(http: httpx.Client) -> None:
    """Found by schemathesis: non-list `schemas`, non-string parameters."""
    for path, body in (("/Users/.search", {"schemas": True}), ("/.search", {"schemas": "x"}),
                       ("/Bulk", {"schemas": True, "Operations": []}),
                       ("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                           "sortBy": [{"a": 1}]}),
                       ("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                           "startIndex": 70.5}),
                       ("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                           "attributes": [1, 2]})):
        response = http.post(path, json=body)
        assert response.status_code == 400, (path, body, response.text)
