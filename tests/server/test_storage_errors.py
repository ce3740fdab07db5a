"""What the storage refuses, in its own terms, and the SCIM errors clients get for it (single requests and /Bulk)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from roster_tui.core.scim import BULK_REQUEST, ENTERPRISE_USER
from roster_tui.server.errors import ScimError, from_storage
from roster_tui.server.filters import AttrPath, parse_filter
from roster_tui.server.service import new_user_doc
from roster_tui.server.storage.errors import (
    NotFilterable,
    NotSortable,
    NotUnique,
    StorageError,
    UserNotFound,
    VersionMismatch,
)
from roster_tui.server.storage.sql import SqlStorage, SqlWriter
from roster_tui.server.storage.tables import users
from tests.server.helpers import patch, unique, user_body

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def refusal(storage: SqlStorage, write: Any) -> StorageError:
    """What the storage raises for ``write(writer)``, checked to be its own error and no SCIM one."""
    with pytest.raises(StorageError) as info, storage.write("test") as writer:
        write(writer)
    assert not isinstance(info.value, ScimError)
    return info.value


def test_storage_raises_its_own_errors(database: str) -> None:
    storage = SqlStorage(database)
    try:
        number = f"E{unique()}"
        body = user_body(employeeNumber=number)
        name = body["userName"]
        with storage.write("test") as writer:
            user = writer.create(new_user_doc(body))
        missing = f"missing-{unique()}"

        for write in (lambda w: w.update(missing, dict, None, "patch"), lambda w: w.delete(missing, None)):
            gone = refusal(storage, write)
            assert type(gone) is UserNotFound and gone.id == missing

        for write in (lambda w: w.update(user.id, dict, 7, "patch"), lambda w: w.delete(user.id, 7)):
            stale = refusal(storage, write)
            assert type(stale) is VersionMismatch and (stale.id, stale.expected, stale.current) == (user.id, 7, 1)

        def overtaken(writer: SqlWriter) -> Any:  # another write lands between the read and the update
            def mutate(doc: dict[str, Any]) -> dict[str, Any]:
                writer.conn.execute(update(users).where(users.c.id == user.id).values(version=users.c.version + 1))
                return {**doc, "title": "Clerk"}
            return writer.update(user.id, mutate, None, "patch")

        raced = refusal(storage, overtaken)
        assert type(raced) is VersionMismatch and (raced.expected, raced.current) == (1, None)

        same_email = user_body(email=name.upper())
        for other, attribute in ((user_body(userName=name.upper()), "userName"),
                                 ({**same_email, "userName": f"other.{unique()}"}, "emails.value"),
                                 (user_body(employeeNumber=number), "employeeNumber")):
            taken = refusal(storage, lambda w, other=other: w.create(new_user_doc(other)))
            assert type(taken) is NotUnique and taken.attribute == attribute

        with pytest.raises(NotFilterable):
            storage.list(parse_filter("meta.location pr"), None, False, 0, 10)
        with pytest.raises(NotSortable):
            storage.list(None, AttrPath(None, "name", "formatted"), False, 0, 10)

        rule = ScimError(409, "a rule of the service")

        def refuse(_doc: dict[str, Any]) -> Any:
            raise rule

        for write in (lambda w: w.update(user.id, refuse, None, "patch"), lambda w: w.delete(user.id, None, refuse)):
            with pytest.raises(ScimError) as info, storage.write("test") as writer:
                write(writer)
            assert info.value is rule  # the service's own errors pass through untouched
        assert storage.get(user.id) == user  # nothing refused was kept
    finally:
        storage.close()


def test_each_storage_error_has_one_scim_error() -> None:
    cases = [
        (UserNotFound("u1"), 404, None, "User u1 not found"),
        (VersionMismatch("u1", 3, 4, "User u1 was changed"), 412, None, "User u1 was changed"),
        (NotUnique("userName"), 409, "uniqueness", "userName is already taken by another user"),
        (NotUnique(None), 409, "uniqueness", "the user conflicts with an existing user"),
        (NotFilterable("filtering on meta.location is not supported"), 400, "invalidFilter",
         "filtering on meta.location is not supported"),
        (NotSortable("cannot sort by title.x"), 400, "invalidValue", "cannot sort by title.x"),
        (StorageError("unforeseen"), 500, None, "internal error; the service log has the details"),
    ]
    for exc, status, scim_type, detail in cases:
        error = from_storage(exc)
        assert (error.status, error.scim_type, error.detail) == (status, scim_type, detail), exc


def error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    """An RFC 7644 §3.12 error body."""
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail}
    return {**body, "scimType": scim_type} if scim_type else body


def test_http_answers_for_storage_refusals(http: httpx.Client) -> None:
    user = http.post("/Users", json=user_body(employeeNumber=f"E{unique()}")).json()
    id, missing = user["id"], f"missing-{unique()}"
    title = patch({"op": "replace", "path": "title", "value": "Clerk"})
    stale = {"If-Match": 'W/"7"'}
    cases: list[tuple[httpx.Response, int, dict[str, Any]]] = [
        (http.put(f"/Users/{missing}", json=user_body()), 404, error(404, f"User {missing} not found")),
        (http.patch(f"/Users/{missing}", json=title), 404, error(404, f"User {missing} not found")),
        (http.delete(f"/Users/{missing}"), 404, error(404, f"User {missing} not found")),
        (http.patch(f"/Users/{id}", json=title, headers=stale), 412,
         error(412, f"User {id} was changed since version 7 (now 1); reload it and try again")),
        (http.delete(f"/Users/{id}", headers=stale), 412, error(412, f"User {id} was changed since version 7")),
        (http.post("/Users", json=user_body(userName=user["userName"])), 409,
         error(409, "userName is already taken by another user", "uniqueness")),
        (http.post("/Users", json=user_body(employeeNumber=user[ENTERPRISE_USER]["employeeNumber"])), 409,
         error(409, "employeeNumber is already taken by another user", "uniqueness")),
        (http.get("/Users", params={"filter": "meta.location pr"}), 400,
         error(400, "filtering on meta.location is not supported", "invalidFilter")),
        (http.get("/Users", params={"sortBy": "name.formatted"}), 400,
         error(400, "cannot sort by name.formatted", "invalidValue")),
    ]
    for response, status, body in cases:
        assert (response.status_code, response.json()) == (status, body), response.request.url


def test_bulk_reports_storage_refusals_per_operation(http: httpx.Client) -> None:
    user = http.post("/Users", json=user_body()).json()
    id, missing = user["id"], f"missing-{unique()}"
    title = patch({"op": "replace", "path": "title", "value": "Clerk"})
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
        {"method": "PATCH", "path": f"/Users/{missing}", "data": title},
        {"method": "PATCH", "path": f"/Users/{id}", "data": title, "version": 'W/"7"'},
        {"method": "DELETE", "path": f"/Users/{id}", "version": 'W/"7"'},
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": user_body(userName=user["userName"])},
        {"method": "PATCH", "path": f"/Users/{id}", "data": title, "version": 'W/"1"'},
    ]})
    assert response.status_code == 200, response.text
    assert response.json()["Operations"][:4] == [
        {"method": "PATCH", "status": "404", "response": error(404, f"User {missing} not found")},
        {"method": "PATCH", "status": "412",
         "response": error(412, f"User {id} was changed since version 7 (now 1); reload it and try again")},
        {"method": "DELETE", "status": "412", "response": error(412, f"User {id} was changed since version 7")},
        {"method": "POST", "bulkId": "dup", "status": "409",
         "response": error(409, "userName is already taken by another user", "uniqueness")},
    ]
    assert response.json()["Operations"][4]["status"] == "200"
