"""One case-insensitive rule for unique values (userName, primary email, employeeNumber) on both backends:
Unicode case folding of the NFKC form, as the service computes it. SQLite once folded ASCII letters only
(``jörg`` and ``JÖRG`` were two users) and PostgreSQL used ``lower()`` (``straße`` and ``STRASSE``, ``σ`` and
``ς`` were two users there)."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update

from roster_tui.core.scim import ENTERPRISE_USER
from roster_tui.server.filters import parse_filter
from roster_tui.server.schemas import CORE_GROUP
from roster_tui.server.service import new_user_doc
from roster_tui.server.storage.base import GroupDoc
from roster_tui.server.storage.errors import NotUnique
from roster_tui.server.storage.sql import SqlStorage
from roster_tui.server.storage.tables import groups, users
from tests.server.helpers import unique, user_body

#: Pairs of spellings that are one value under the rule (the second differs from the first in case or form).
SAME = [
    ("jörg", "JÖRG"),
    ("σοφία", "ΣΟΦΊΑ"),
    ("σοφίας", "ΣΟΦΊΑΣ"),  # final sigma
    ("ǆemal", "ǅemal"),  # titlecase digraph
    ("ǆemal", "ǄEMAL"),
    ("kate", "\u212aate"),  # KELVIN SIGN
    ("straße", "STRASSE"),
    ("jörg", "jo\u0308rg"),  # composed and decomposed
    ("jorg", "ｊｏｒｇ"),  # fullwidth
]


def with_name(user_name: str, **extra: Any) -> dict[str, Any]:
    """A user whose userName is ``user_name`` and whose email is its own (so only the userName can clash)."""
    body = user_body(**extra)
    body["userName"] = user_name
    return body


@pytest.mark.parametrize(("first", "second"), SAME)
def test_user_names_are_one_under_unicode_case_folding(http: httpx.Client, first: str, second: str) -> None:
    tag = unique()
    created = http.post("/Users", json=with_name(f"{first}.{tag}"))
    assert created.status_code == 201, created.text
    clash = http.post("/Users", json=with_name(f"{second}.{tag}"))
    assert clash.status_code == 409, clash.text
    assert clash.json()["scimType"] == "uniqueness" and "userName" in clash.json()["detail"]
    found = http.get("/Users", params={"filter": f'userName eq "{second}.{tag}"'}).json()
    assert [u["id"] for u in found["Resources"]] == [created.json()["id"]]  # the clash can be found
    other = http.post("/Users", json=with_name(f"other.{tag}")).json()
    renamed = http.patch(f"/Users/{other['id']}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": f"{second}.{tag}"}]})
    assert renamed.status_code == 409, renamed.text


@pytest.mark.parametrize(("first", "second"), [("σ", "Σ"), ("ς", "σ"), ("ß", "SS"), ("ö", "Ö")])
def test_emails_and_employee_numbers_follow_the_same_rule(http: httpx.Client, first: str, second: str) -> None:
    tag = unique()
    assert http.post("/Users", json=user_body(email=f"{first}{tag}@example.com")).status_code == 201
    clash = http.post("/Users", json=user_body(email=f"{second}{tag}@example.com"))
    assert clash.status_code == 409, clash.text
    number = f"{first}-{tag}"
    assert http.post("/Users", json=user_body(employeeNumber=number)).status_code == 201
    clash = http.post("/Users", json=user_body(employeeNumber=f"{second}-{tag}"))
    assert clash.status_code == 409 and "employeeNumber" in clash.json()["detail"], clash.text
    found = http.get("/Users", params={"filter": f'{ENTERPRISE_USER}:employeeNumber eq "{second}-{tag}"'}).json()
    assert found["totalResults"] == 1


def test_different_values_stay_different(http: httpx.Client) -> None:
    tag = unique()
    for name in ("jorg", "jörg", "jórg", "jοrg"):  # o, o with diaeresis, o with acute, Greek omicron
        response = http.post("/Users", json=with_name(f"{name}.{tag}"))
        assert response.status_code == 201, (name, response.text)


def downgrade_to_version_5(storage: SqlStorage) -> None:
    """Make a database as migration 5 left it: no keys, unique indexes on the values themselves."""
    postgres = storage.dialect == "postgresql"
    with storage.write_engine.begin() as conn:
        for table, column in (("users", "user_name"), ("users", "email"), ("users", "employee_number"),
                              ("groups", "display_name")):
            conn.exec_driver_sql(f"DROP INDEX ux_{table}_{column}_key")
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}_key")
            suffix = "_lower" if postgres else ""
            conn.exec_driver_sql(f"DROP INDEX ix_{table}_{column}{suffix}")
            expression = f"lower({column})" if postgres else column
            conn.exec_driver_sql(f"CREATE UNIQUE INDEX ux_{table}_{column}{suffix} ON {table} ({expression})")
        conn.exec_driver_sql("UPDATE schema_version SET version = 5")


def test_migration_keeps_the_duplicates_it_finds_and_refuses_new_ones(database: str) -> None:
    """Values that were two under the old rules of both backends (``straße`` and ``STRASSE``) stay two users
    (and two groups), each still writable and found by ``eq``; no third one can join them."""
    tag = unique()
    first, later = f"straße.{tag}@example.com", f"STRASSE.{tag}@example.com"
    storage = SqlStorage(database)
    try:
        with storage.write("test") as writer:
            kept = writer.create(new_user_doc(user_body(email=first)))
            other = writer.create(new_user_doc(user_body()))
            team = writer.create_group(GroupDoc(f"Straße team {tag}", None, ()))
            other_team = writer.create_group(GroupDoc(f"other team {tag}", None, ()))
        downgrade_to_version_5(storage)
        with storage.write_engine.begin() as conn:  # what the old rules let in
            doc = {**orjson.loads(storage.get(other.id).doc), "userName": later,  # type: ignore[union-attr]
                   "emails": [{"value": later, "type": "work", "primary": True}]}
            conn.execute(update(users).where(users.c.id == other.id).values(
                user_name=later, email=later.lower(), doc=orjson.dumps(doc).decode()))
            conn.execute(update(groups).where(groups.c.id == other_team.id).values(
                display_name=f"STRASSE TEAM {tag}"))
    finally:
        storage.close()
    storage = SqlStorage(database)  # migration 6
    try:
        found = storage.list(parse_filter(f'userName eq "Strasse.{tag}@example.com"'), None, False, 0, 10)[1]
        assert sorted(u.id for u in found) == sorted([kept.id, other.id])
        with pytest.raises(NotUnique), storage.write("test") as writer:
            writer.create(new_user_doc(user_body(email=f"strasse.{tag}@example.com")))
        with storage.write("test") as writer:  # the later duplicate is still a user like any other
            writer.update(other.id, lambda d: {**d, "title": "Clerk"}, None, "patch")
        groups_found = storage.list_groups(parse_filter(f'displayName eq "strasse team {tag}"', CORE_GROUP),
                                           None, False, 0, 10)[1]
        assert sorted(g.id for g in groups_found) == sorted([team.id, other_team.id])
        with pytest.raises(NotUnique), storage.write("test") as writer:
            writer.create_group(GroupDoc(f"Strasse Team {tag}", None, ()))
        with storage.write("test") as writer:  # renamed, it takes the plain key of its new name
            writer.update(other.id, lambda d: {**d, "userName": f"renamed.{tag}@example.com"}, None, "patch")
        with pytest.raises(NotUnique), storage.write("test") as writer:
            writer.update(kept.id, lambda d: {**d, "userName": f"RENAMED.{tag}@example.com"}, None, "patch")
    finally:
        storage.close()
