"""The change journal's HTTP surface on both backends: opening, writing under, listing and closing a change, and
what it refuses (a malformed or unknown change, a closed one, a bad kind), with one clear message each."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from roster_tui.core.changes import CHANGE, CHANGE_HEADER

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def new_user(http: httpx.Client, change: int | None = None) -> dict[str, Any]:
    name = f"j{uuid.uuid4().hex[:10]}@x.example"
    headers = {CHANGE_HEADER: str(change)} if change is not None else {}
    answer = http.post("/Users", json={"userName": name, "name": {"givenName": "J", "familyName": "K"},
                                       "emails": [{"value": name, "primary": True}]}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def open_change(http: httpx.Client, **extra: Any) -> dict[str, Any]:
    answer = http.post("/Changes", json={"kind": "import", "source": {"file": "hr.csv"}, "counts": {"create": 1},
                                         **extra})
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"].endswith(f"/Changes/{answer.json()['id']}")
    return answer.json()


def test_a_change_records_its_writes_with_the_documents_before_them(http: httpx.Client) -> None:
    change = open_change(http, plan={"rows": [{"key": "a"}]})
    assert (change["status"], change["schemas"]) == ("open", [CHANGE])
    user = new_user(http, change["id"])
    patched = http.patch(f"/Users/{user['id']}", headers={CHANGE_HEADER: str(change["id"]), "If-Match": 'W/"1"'},
                         json={"schemas": [PATCH_OP], "Operations": [
                             {"op": "replace", "path": "title", "value": "Lead"}]})
    assert patched.status_code == 200
    new_user(http)  # not part of it
    writes = http.get(f"/Changes/{change['id']}/writes").json()["Resources"]
    assert [(w["user"], w["action"], w["version"]) for w in writes] == [
        (user["id"], "create", 1), (user["id"], "patch", 2)]
    assert writes[0]["before"] is None
    assert writes[1]["before"]["userName"] == user["userName"] and "title" not in writes[1]["before"]
    assert writes[1]["changes"]["title"] == [None, "Lead"]
    history = http.get(f"/Users/{user['id']}/history").json()["Resources"]
    assert {h.get("change") for h in history} == {change["id"]}
    closed = http.patch(f"/Changes/{change['id']}", json={"status": "done", "outcome": {"ok": 2}}).json()
    assert (closed["status"], closed["outcome"]) == ("done", {"ok": 2}) and closed["closed"]
    assert http.get(f"/Changes/{change['id']}", params={"plan": "true"}).json()["plan"] == {"rows": [{"key": "a"}]}
    assert "plan" not in http.get(f"/Changes/{change['id']}").json()
    listed = http.get("/Changes", params={"user": user["id"]}).json()["Resources"]
    assert [c["id"] for c in listed] == [change["id"]]
    assert change["id"] not in [c["id"] for c in http.get("/Changes", params={"status": "open"}).json()["Resources"]]


def test_a_write_naming_a_change_that_is_not_open_is_refused_and_changes_nothing(http: httpx.Client) -> None:
    change = open_change(http)
    http.patch(f"/Changes/{change['id']}", json={"status": "stopped"})
    for value, status, says in ((str(change["id"]), 409, "is stopped"), ("999999999", 409, "no change"),
                                ("abc", 400, "number of a change"), ("9" * 40, 400, "number of a change"),
                                ("١٢", 400, "number of a change")):
        name = f"r{uuid.uuid4().hex[:10]}@x.example"
        answer = http.post("/Users", json={"userName": name, "name": {"givenName": "R", "familyName": "S"}},
                           headers={CHANGE_HEADER: value.encode()})
        assert answer.status_code == status and says in answer.json()["detail"], (value, answer.text)
        assert http.get("/Users", params={"filter": f'userName eq "{name}"'}).json()["totalResults"] == 0
    reopened = http.patch(f"/Changes/{change['id']}", json={"status": "open"}).json()
    assert reopened["status"] == "open" and reopened["closed"] is None
    new_user(http, change["id"])


def test_bad_changes_are_refused_with_a_message(http: httpx.Client) -> None:
    assert http.post("/Changes", json={"kind": "merge"}).status_code == 400
    assert http.post("/Changes", json={"kind": "import", "source": "hr.csv"}).status_code == 400
    assert http.post("/Changes", json={"kind": "undo", "undoes": 10**30}).status_code == 400
    assert http.post("/Changes", json={"kind": "undo", "undoes": True}).status_code == 400
    for path in ("/Changes/1e5", "/Changes/-1", "/Changes/99999999", "/Changes/99999999/writes"):
        assert http.get(path).status_code == 404, path
    assert http.patch("/Changes/99999999", json={"status": "done"}).status_code == 404
    change = open_change(http)
    assert http.patch(f"/Changes/{change['id']}", json={"status": "gone"}).status_code == 400
    assert http.get("/Changes", params={"status": "gone"}).status_code == 400


def test_the_journal_is_announced_and_needs_a_token(http: httpx.Client, server: Any) -> None:
    ids = [s["id"] for s in http.get("/Schemas").json()["Resources"]]
    assert CHANGE in ids
    assert httpx.get(f"{server.url}/Changes").status_code == 401
    assert httpx.post(f"{server.url}/Changes", json={"kind": "import"}).status_code == 401
