"""Access roles enforced by the service, over HTTP on each backend: a viewer reads and never writes, an editor
writes users but never their admin roles (POST, PUT, PATCH in every path form, /Bulk op by op), an account-admin
may; the audit trail names the person; removing a person or changing their role reaches a running service."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from roster_tui.core.access import ACCESS
from roster_tui.core.changes import CHANGE_HEADER
from roster_tui.core.scim import BULK_REQUEST, SEARCH_REQUEST
from roster_tui.server.auth import new_token, token_hash
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import POSTGRES_URL, RunningServer, new_postgres_database, start_server, stop_server
from tests.server.access_helpers import person_token
from tests.server.helpers import patch, unique, user_body

VIEWER_SAYS = "the token of vera is a viewer's: it can read, not write"
EDITOR_SAYS = "the token of eddie is an editor's: it can change users but not admin roles or admin access"
ROLE = "Training Admin"


@dataclass
class Roles:
    server: RunningServer
    viewer: httpx.Client
    editor: httpx.Client
    admin: httpx.Client  # the person ada, an account-admin
    env: httpx.Client  # the service's own token


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def roles(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Roles]:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)")
    tmp = tmp_path_factory.mktemp("roles")
    db = new_postgres_database() if request.param == "postgresql" else str(tmp / "roster.db")
    SqlStorage(db).close()  # the schema, so people can be added before the service starts
    tokens = {name: person_token(db, name, role)
              for name, role in (("vera", "viewer"), ("eddie", "editor"), ("ada", "account-admin"))}
    server = start_server(tmp, db=db)
    clients = {name: httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
               for name, token in tokens.items()}
    env = httpx.Client(base_url=server.url, headers=server.headers(), timeout=30)
    yield Roles(server, clients["vera"], clients["eddie"], clients["ada"], env)
    for c in (*clients.values(), env):
        c.close()
    stop_server(server)


def _user(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    made = client.post("/Users", json=user_body(**extra))
    assert made.status_code == 201, made.text
    return made.json()


def _refused(response: httpx.Response, says: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    assert says in response.json()["detail"]


def test_a_viewer_reads_everything_and_every_write_is_refused(roles: Roles) -> None:
    user = _user(roles.env, title="Clerk")
    group = roles.env.post("/Groups", json={"displayName": f"g-{unique()}", "members": [{"value": user["id"]}]})
    assert group.status_code == 201
    change = roles.env.post("/Changes", json={"kind": "import", "source": {"file": "x.csv"}, "counts": {}})
    assert change.status_code == 201
    uid, gid, cid = user["id"], group.json()["id"], change.json()["id"]
    v = roles.viewer
    for read in (v.get("/Users"), v.get(f"/Users/{uid}"), v.get(f"/Users/{uid}/history"), v.get("/Groups"),
                 v.get(f"/Groups/{gid}"), v.get("/Changes"), v.get(f"/Changes/{cid}"),
                 v.get("/Users/.values", params={"attribute": "department"}),
                 v.post("/Users/.search", json={"schemas": [SEARCH_REQUEST], "filter": f'id eq "{uid}"'}),
                 v.post("/Groups/.search", json={"schemas": [SEARCH_REQUEST]}),
                 v.post("/.search", json={"schemas": [SEARCH_REQUEST]})):
        assert read.status_code == 200, (read.request.url, read.text)
    new = user_body()
    writes = [
        v.post("/Users", json=new),
        v.put(f"/Users/{uid}", json=user_body(user["userName"], title="Boss")),
        v.patch(f"/Users/{uid}", json=patch({"op": "replace", "path": "title", "value": "Boss"})),
        v.delete(f"/Users/{uid}"),
        v.post("/Groups", json={"displayName": f"g-{unique()}"}),
        v.put(f"/Groups/{gid}", json={"displayName": "renamed"}),
        v.patch(f"/Groups/{gid}", json=patch({"op": "remove", "path": "members"})),
        v.delete(f"/Groups/{gid}"),
        v.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body()}]}),
        v.post("/Changes", json={"kind": "import", "source": {}, "counts": {}}),
        v.patch(f"/Changes/{cid}", json={"status": "done"}),
        v.patch(f"/Users/{uid}", json=patch({"op": "replace", "path": "title", "value": "Boss"}),
                headers={CHANGE_HEADER: str(cid)}),
    ]
    for refused in writes:
        _refused(refused, VIEWER_SAYS)
    after = roles.env.get(f"/Users/{uid}").json()
    assert after["meta"]["version"] == user["meta"]["version"] and after["title"] == "Clerk"
    assert roles.env.get(f"/Groups/{gid}").json()["meta"]["version"] == group.json()["meta"]["version"]
    assert roles.env.get("/Users", params={"filter": f'userName eq "{new["userName"]}"'}).json()[
        "totalResults"] == 0
    assert roles.env.get(f"/Changes/{cid}").json()["status"] == "open"


def test_an_editor_writes_users_and_groups_named_in_the_audit_trail(roles: Roles) -> None:
    user = _user(roles.editor, title="Clerk")
    uid = user["id"]
    patched = roles.editor.patch(f"/Users/{uid}", json=patch({"op": "replace", "path": "title", "value": "Lead"}))
    assert patched.status_code == 200 and patched.json()["title"] == "Lead"
    put = roles.editor.put(f"/Users/{uid}", json=user_body(user["userName"], title="Head"))
    assert put.status_code == 200 and put.json()["title"] == "Head"
    admin = _user(roles.env, roles=[{"value": ROLE}])
    kept = roles.editor.patch(f"/Users/{admin['id']}", json=patch({"op": "replace", "path": "title", "value": "X"}))
    assert kept.status_code == 200 and kept.json()["roles"] == admin["roles"]  # not touching roles is fine
    same = roles.editor.put(f"/Users/{admin['id']}", json=user_body(admin["userName"], roles=[{"value": ROLE}]))
    assert same.status_code == 200, same.text  # a PUT that keeps the roles as they are
    group = roles.editor.post("/Groups", json={"displayName": f"g-{unique()}", "members": [{"value": uid}]})
    assert group.status_code == 201
    deactivated = roles.editor.patch(f"/Users/{admin['id']}", json=patch(
        {"op": "replace", "path": "active", "value": False}))
    assert deactivated.status_code == 200
    assert {e["token"] for e in roles.env.get(f"/Users/{uid}/history").json()["Resources"]} == {"eddie"}
    assert roles.editor.delete(f"/Users/{uid}").status_code == 204


ROLE_CHANGES: list[tuple[str, Any]] = [
    ("patch replace roles", patch({"op": "replace", "path": "roles", "value": [{"value": "User Admin"}]})),
    ("patch add roles", patch({"op": "add", "path": "roles", "value": [{"value": "User Admin"}]})),
    ("patch remove roles", patch({"op": "remove", "path": "roles"})),
    ("patch remove filtered", patch({"op": "remove", "path": f'roles[value eq "{ROLE}"]'})),
    ("patch replace filtered value", patch({"op": "replace", "path": f'roles[value eq "{ROLE}"].value',
                                            "value": "User Admin"})),
    ("patch no path", patch({"op": "replace", "value": {"roles": []}})),
    ("patch no path, path key", patch({"op": "add", "value": {f'roles[value eq "{ROLE}"].value': "Content Admin"}})),
    ("patch no path, core urn", patch({"op": "add", "value": {
        "urn:ietf:params:scim:schemas:core:2.0:User": {"roles": [{"value": "User Admin"}]}}})),
    ("patch urn path", patch({"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:roles",
                              "value": [{"value": "User Admin"}]})),
]


@pytest.mark.parametrize(("_what", "body"), ROLE_CHANGES, ids=[w for w, _b in ROLE_CHANGES])
def test_an_editor_cannot_change_admin_roles_by_any_patch(roles: Roles, _what: str, body: Any) -> None:
    admin = _user(roles.env, roles=[{"value": ROLE}])
    _refused(roles.editor.patch(f"/Users/{admin['id']}", json=body), EDITOR_SAYS)
    after = roles.env.get(f"/Users/{admin['id']}").json()
    assert after["meta"]["version"] == admin["meta"]["version"] and after["roles"] == admin["roles"]
    done = roles.admin.patch(f"/Users/{admin['id']}", json=body)  # the account-admin's same request is taken
    assert done.status_code == 200, done.text
    assert done.json().get("roles") != admin["roles"]
    assert roles.env.get(f"/Users/{admin['id']}/history").json()["Resources"][0]["token"] == "ada"


def test_an_editor_cannot_grant_or_remove_admin_roles_by_post_put_or_delete(roles: Roles) -> None:
    e = roles.editor
    body = user_body(roles=[{"value": ROLE}])
    _refused(e.post("/Users", json=body), EDITOR_SAYS)
    assert roles.env.get("/Users", params={"filter": f'userName eq "{body["userName"]}"'}).json()[
        "totalResults"] == 0
    plain = _user(roles.env)
    _refused(e.put(f"/Users/{plain['id']}", json=user_body(plain["userName"], roles=[{"value": ROLE}])),
             EDITOR_SAYS)
    admin = _user(roles.env, roles=[{"value": ROLE}])
    _refused(e.put(f"/Users/{admin['id']}", json=user_body(admin["userName"])), EDITOR_SAYS)  # omits the roles
    _refused(e.put(f"/Users/{admin['id']}", json=user_body(admin["userName"], roles=[{"value": "User Admin"}])),
             EDITOR_SAYS)
    _refused(e.delete(f"/Users/{admin['id']}"), EDITOR_SAYS)
    for user in (plain, admin):
        assert roles.env.get(f"/Users/{user['id']}").json()["meta"]["version"] == user["meta"]["version"]
    granted = roles.admin.put(f"/Users/{plain['id']}", json=user_body(plain["userName"], roles=[{"value": ROLE}]))
    assert granted.status_code == 200 and granted.json()["roles"] == [{"value": ROLE}]
    assert roles.admin.delete(f"/Users/{admin['id']}").status_code == 204


def test_bulk_refuses_only_the_editors_operations_on_admin_roles(roles: Roles) -> None:
    admin = _user(roles.env, roles=[{"value": ROLE}])
    other = _user(roles.env)
    new = user_body()
    operations = [
        {"method": "POST", "path": "/Users", "bulkId": "n", "data": new},
        {"method": "PATCH", "path": f"/Users/{admin['id']}", "data": patch(
            {"op": "remove", "path": f'roles[value eq "{ROLE}"]'})},
        {"method": "PATCH", "path": f"/Users/{other['id']}", "data": patch(
            {"op": "replace", "path": "title", "value": "Bulked"})},
        {"method": "POST", "path": "/Users", "bulkId": "r", "data": user_body(roles=[{"value": ROLE}])},
        {"method": "PUT", "path": f"/Users/{other['id']}", "data": user_body(
            other["userName"], title="Bulked", roles=[{"value": ROLE}])},
        {"method": "DELETE", "path": f"/Users/{admin['id']}"},
    ]
    answer = roles.editor.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": operations})
    assert answer.status_code == 200, answer.text
    results = answer.json()["Operations"]
    assert [r["status"] for r in results] == ["201", "403", "200", "403", "403", "403"]
    assert all(EDITOR_SAYS in r["response"]["detail"] for r in results if r["status"] == "403")
    assert roles.env.get(f"/Users/{admin['id']}").json()["roles"] == [{"value": ROLE}]
    assert roles.env.get(f"/Users/{other['id']}").json()["title"] == "Bulked"
    assert "roles" not in roles.env.get(f"/Users/{other['id']}").json()
    as_admin = roles.admin.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": operations[1:2]})
    assert [r["status"] for r in as_admin.json()["Operations"]] == ["200"]
    assert "roles" not in roles.env.get(f"/Users/{admin['id']}").json()


def test_a_named_token_has_the_role_it_was_made_with(roles: Roles) -> None:
    token, name = new_token(), f"ro-{unique()}"
    storage = SqlStorage(roles.server.db)
    try:
        storage.add_token(name, token_hash(token).hex(), "viewer")
    finally:
        storage.close()
    with httpx.Client(base_url=roles.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        assert c.get("/Users").status_code == 200
        _refused(c.post("/Users", json=user_body()), f"the token of {name} is a viewer's: it can read, not write")


def _wait_for(check: Any, what: str, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


def test_a_new_role_and_a_removal_reach_the_running_service(roles: Roles, tmp_path: Path) -> None:
    db = roles.server.db
    token = person_token(db, f"temp-{unique()}", "editor")
    with httpx.Client(base_url=roles.server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        user = _user(c)
        storage = SqlStorage(db)
        try:
            name = next(p["name"] for p in storage.people() if p["name"].startswith("temp-"))
            assert storage.set_person_role(name, "viewer")
            _wait_for(lambda: c.patch(f"/Users/{user['id']}", json=patch(
                {"op": "replace", "path": "title", "value": "T"})).status_code == 403, "the new role did not apply")
            assert c.get(f"/Users/{user['id']}").status_code == 200
            assert storage.remove_person(name) == 1
            _wait_for(lambda: c.get("/Users").status_code == 401, "a removed person's token kept working")
        finally:
            storage.close()


def test_access_says_who_a_token_acts_as_and_its_role(roles: Roles) -> None:
    """``GET /Access`` (published in /Schemas, so a console knows to ask): the name and role of each token."""
    schemas = roles.env.get("/Schemas").json()["Resources"]
    assert ACCESS in [s["id"] for s in schemas]
    seen = {c.get("/Access").json()["role"]: c.get("/Access").json()["name"]
            for c in (roles.viewer, roles.editor, roles.admin)}
    assert seen == {"viewer": "vera", "editor": "eddie", "account-admin": "ada"}
    assert roles.env.get("/Access").json() == {"schemas": [ACCESS], "name": "env", "role": "account-admin"}
    assert httpx.get(f"{roles.server.url}/Access").status_code == 401
