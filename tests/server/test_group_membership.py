"""Users and their groups, on both backends: a user's read-only ``groups``, filtering users by group, deleting
either side, /Bulk with groups, and the storage underneath (one query for a page's groups, the migration)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import create_engine, event

from roster_tui.core.scim import BULK_REQUEST
from roster_tui.server.filters import parse_filter
from roster_tui.server.service import new_user_doc
from roster_tui.server.storage import migrations
from roster_tui.server.storage.base import GroupDoc
from roster_tui.server.storage.sql import SqlStorage, database_url
from tests.server.group_helpers import GROUP, group_ids_of, history, member_ids, new_group, new_user, new_users
from tests.server.helpers import patch, unique, user_body


def test_a_users_groups_follow_its_memberships(http: httpx.Client) -> None:
    user = new_user(http)
    assert "groups" not in user
    first, second = new_group(http, [user["id"]]), new_group(http, [user["id"]])
    fetched = http.get(f"/Users/{user['id']}").json()
    groups = {g["value"]: g for g in fetched["groups"]}
    assert set(groups) == {first["id"], second["id"]}
    assert groups[first["id"]] == {"value": first["id"], "$ref": first["meta"]["location"],
                                   "display": first["displayName"], "type": "direct"}
    assert fetched["meta"]["version"] == user["meta"]["version"]  # memberships are the groups' to version
    name = f"Renamed {unique()}"
    http.patch(f"/Groups/{first['id']}", json=patch({"op": "replace", "path": "displayName", "value": name}))
    http.patch(f"/Groups/{second['id']}", json=patch({"op": "remove", "path": f'members[value eq "{user["id"]}"]'}))
    fetched = http.get(f"/Users/{user['id']}").json()
    assert [(g["value"], g["display"]) for g in fetched["groups"]] == [(first["id"], name)]
    listed = http.get("/Users", params={"filter": f'userName eq "{user["userName"]}"'}).json()["Resources"]
    assert listed == [fetched]
    only = http.get(f"/Users/{user['id']}", params={"attributes": "groups.display"}).json()
    assert only["groups"] == [{"display": name}]
    assert "groups" not in http.get(f"/Users/{user['id']}", params={"excludedAttributes": "groups"}).json()


def test_groups_sent_with_a_user_are_ignored(http: httpx.Client) -> None:
    group = new_group(http)
    user = http.post("/Users", json=user_body(groups=[{"value": group["id"]}])).json()
    assert "groups" not in user and "members" not in http.get(f"/Groups/{group['id']}").json()
    new_group(http, [user["id"]])
    body = user_body(email=user["userName"], title="Clerk", groups=[])
    replaced = http.put(f"/Users/{user['id']}", json=body).json()
    assert replaced["title"] == "Clerk" and len(replaced["groups"]) == 1  # kept: PUT on a user is not the way
    refused = http.patch(f"/Users/{user['id']}", json=patch({"op": "remove", "path": "groups"}))
    assert refused.status_code == 400 and refused.json()["scimType"] == "mutability"


def test_users_can_be_filtered_by_group(http: httpx.Client) -> None:
    inside, also, outside = new_users(http, 3)
    group = new_group(http, [inside, also])
    new_group(http, [outside])

    def found(flt: str) -> set[str]:
        response = http.get("/Users", params={"filter": flt, "count": 1000})
        assert response.status_code == 200, response.text
        return {u["id"] for u in response.json()["Resources"]}

    assert found(f'groups.value eq "{group["id"]}"') == {inside, also}
    assert found(f'groups eq "{group["id"]}"') == {inside, also}
    assert found(f'groups[value eq "{group["id"]}"]') == {inside, also}
    assert found(f'groups.display eq "{group["displayName"].upper()}"') == {inside, also}
    mine = " or ".join(f'id eq "{i}"' for i in (inside, also, outside))
    assert found(f'({mine}) and not (groups.value eq "{group["id"]}")') == {outside}
    assert found(f'({mine}) and groups.value ne "{group["id"]}"') == {outside}
    assert found(f'({mine}) and groups pr') == {inside, also, outside}
    page = http.get("/Users", params={"filter": f'groups.value eq "{group["id"]}"', "sortBy": "userName",
                                      "count": 1}).json()
    assert page["totalResults"] == 2 and len(page["Resources"]) == 1
    bad = http.get("/Users", params={"filter": 'groups.$ref eq "x"'})
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"


def test_deleting_a_user_takes_it_out_of_its_groups(http: httpx.Client) -> None:
    leaving, staying = new_users(http, 2)
    group = new_group(http, [leaving, staying])
    assert http.delete(f"/Users/{leaving}").status_code == 204
    after = http.get(f"/Groups/{group['id']}").json()
    assert member_ids(after) == {staying} and after["meta"]["version"] == 'W/"2"'
    entry = history(http, group["id"])[0]
    assert (entry["action"], entry["changes"]) == ("member-deleted", {"members": {"added": [], "removed": [leaving]}})
    assert http.get("/Groups", params={"filter": f'members.value eq "{leaving}"'}).json()["totalResults"] == 0


def test_deleting_a_group_leaves_its_users(http: httpx.Client) -> None:
    user = new_user(http)
    gone, kept = new_group(http, [user["id"]]), new_group(http, [user["id"]])
    assert http.delete(f"/Groups/{gone['id']}").status_code == 204
    fetched = http.get(f"/Users/{user['id']}").json()
    assert group_ids_of(fetched) == {kept["id"]}
    assert fetched["meta"]["version"] == user["meta"]["version"]
    assert http.get("/Users", params={"filter": f'groups.value eq "{gone["id"]}"'}).json()["totalResults"] == 0


def _bulk(http: httpx.Client, *operations: dict[str, Any]) -> list[dict[str, Any]]:
    response = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": list(operations)})
    assert response.status_code == 200, response.text
    return response.json()["Operations"]


def test_bulk_writes_groups_with_bulk_id_references(http: httpx.Client) -> None:
    name = f"Bulk {unique()}"
    done = _bulk(
        http,
        {"method": "POST", "path": "/Users", "bulkId": "ada", "data": user_body()},
        {"method": "POST", "path": "/Users", "bulkId": "bob", "data": user_body()},
        {"method": "POST", "path": "/Groups", "bulkId": "team",
         "data": {"schemas": [GROUP], "displayName": name, "members": [{"value": "bulkId:ada"}]}},
        {"method": "PATCH", "path": "/Groups/bulkId:team", "version": 'W/"1"',
         "data": patch({"op": "add", "path": "members", "value": [{"value": "bulkId:bob"}]})},
        {"method": "POST", "path": "/Groups", "bulkId": "other", "data": {"displayName": f"{name} 2"}},
        {"method": "PUT", "path": "/Groups/bulkId:other",
         "data": {"schemas": [GROUP], "displayName": f"{name} 2", "members": [{"value": "bulkId:bob"}]}},
        {"method": "DELETE", "path": "/Groups/bulkId:other"},
    )
    assert [op["status"] for op in done] == ["201", "201", "201", "200", "201", "200", "204"]
    team = http.get(done[2]["location"]).json()
    ada, bob = (http.get(op["location"]).json() for op in done[:2])
    assert done[2]["location"].endswith(f"/Groups/{team['id']}") and done[3]["version"] == team["meta"]["version"]
    assert member_ids(team) == {ada["id"], bob["id"]}
    assert group_ids_of(bob) == {team["id"]}
    assert http.get(done[4]["location"]).status_code == 404


def test_bulk_group_errors_are_per_operation(http: httpx.Client) -> None:
    [user] = new_users(http, 1)
    group = new_group(http)
    done = _bulk(
        http,
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"displayName": f"E {unique()}",
                                                                      "members": [{"value": "nobody"}]}},
        {"method": "PATCH", "path": "/Groups/bulkId:g", "data": patch({"op": "remove", "path": "members"})},
        {"method": "PATCH", "path": "/Groups/no-such-group", "data": patch({"op": "remove", "path": "members"})},
        {"method": "POST", "path": "/Groups/x", "bulkId": "h", "data": {"displayName": "x"}},
        {"method": "PUT", "path": f"/Groups/{group['id']}", "version": 'W/"5"',
         "data": {"displayName": group["displayName"], "members": [{"value": user}]}},
    )
    assert [op["status"] for op in done] == ["400", "400", "404", "400", "412"]
    assert done[0]["response"]["scimType"] == "invalidValue"
    assert "bulkId 'g' is not defined" in done[1]["response"]["detail"]
    assert http.get(f"/Groups/{group['id']}").json() == group


def test_a_page_of_users_reads_its_groups_in_one_query(database: str) -> None:
    """Each user on a page carries its groups, read for the whole page at once: the statements a page takes do
    not grow with its users, nor with their memberships."""
    storage = SqlStorage(database)
    try:
        with storage.write("test") as writer:
            ids = [writer.create(new_user_doc(user_body())).id for _ in range(60)]
            thirds = [writer.create_group(GroupDoc(f"G{i}", None, tuple(ids[i::3]))) for i in range(3)]
            everyone = writer.create_group(GroupDoc("Everyone", None, tuple(ids)))
        statements: list[str] = []
        event.listen(storage.read_engine, "before_cursor_execute",
                     lambda _conn, _cursor, sql, *_rest: statements.append(sql))
        counts = []
        for size in (5, 50):
            statements.clear()
            total, page = storage.list(None, None, False, 0, size)
            counts.append(len(statements))
            assert total == 60 and len(page) == size
            assert [[g for g, _name in u.groups] for u in page] == [
                [thirds[i % 3].id, everyone.id] for i in range(size)]
        assert counts[0] == counts[1] <= 4, statements
        statements.clear()
        total, found = storage.list(parse_filter(f'groups.value eq "{thirds[1].id}"'), "name.familyName", False,
                                    0, 100)
        assert total == 20 and {u.id for u in found} == set(ids[1::3])
        assert all(u.groups == ((thirds[1].id, "G1"), (everyone.id, "Everyone")) for u in found)
        assert len(statements) <= 4, statements
    finally:
        storage.close()


def test_upgrading_adds_groups_to_a_roster_with_users(database: str) -> None:
    engine = create_engine(database_url(database))
    with engine.begin() as conn:  # a database as version 4 left it
        migrations.schema_version.metadata.create_all(conn)
        for number, _what, migrate in migrations.MIGRATIONS:
            if number <= 4:
                migrate(conn)
        conn.execute(migrations.schema_version.insert().values(version=4))
    engine.dispose()
    storage = SqlStorage(database)  # opening applies what is pending
    try:
        with storage.write_engine.connect() as conn:
            assert migrations.current_version(conn) == migrations.LATEST >= 5
        with storage.write("test") as writer:
            user = writer.create(new_user_doc(user_body()))
            group = writer.create_group(GroupDoc("Upgraded", "x", (user.id,)))
        fetched_user, fetched_group = storage.get(user.id), storage.get_group(group.id)
        assert fetched_user is not None and fetched_user.groups == ((group.id, "Upgraded"),)
        assert fetched_group is not None and [m.id for m in fetched_group.members or ()] == [user.id]
    finally:
        storage.close()
