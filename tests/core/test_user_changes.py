"""What changed between versions of a user, the three-way merge, and the PatchOp that writes exactly that."""

from __future__ import annotations

from dataclasses import replace

from roster_tui.core.models import User
from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER, user_to_scim
from roster_tui.core.user_changes import (
    MANAGER_PATH,
    changed_fields,
    dropped,
    emails_with,
    merge,
    not_kept,
    user_operations,
)

BASE = User(id="u1", email="ann@x.example", first_name="Ann", last_name="Lee", title="Dev", department="Eng",
            roles=("Training Admin",))


def test_changed_fields_compare_roles_as_sets_and_blanks_as_none() -> None:
    same = replace(BASE, roles=("Training Admin",), division="")
    assert changed_fields(BASE, same) == []
    other = replace(BASE, title="Lead", active=False, manager_id="m1")
    assert changed_fields(BASE, other) == ["title", "manager_id", "active"]


def test_merge_keeps_their_fields_and_asks_only_about_both() -> None:
    mine = replace(BASE, title="Mine", location="Here")
    theirs = replace(BASE, title="Theirs", department="Ops")
    assert merge(BASE, mine, theirs) == (["location"], ["title"])
    same_change = replace(BASE, title="Mine")
    assert merge(BASE, mine, same_change) == (["location"], [])  # both to the same value: no conflict


def test_an_email_change_keeps_the_other_addresses() -> None:
    emails = [{"value": "home@x.example", "type": "home"},
              {"value": "ann@x.example", "type": "work", "primary": True}]
    assert emails_with(emails, "ann.lee@x.example") == [{"value": "home@x.example", "type": "home"},
                                                         {"value": "ann.lee@x.example", "type": "work",
                                                          "primary": True}]
    assert emails_with(None, "a@x.example") == [{"value": "a@x.example", "type": "work", "primary": True}]


def test_operations_write_only_the_fields_asked_and_keep_foreign_roles() -> None:
    before = replace(BASE, roles=("Training Admin", "Okta Group Admin"))
    after = replace(before, title=None, manager_id="m9", roles=("User Admin",), first_name="Anne")
    ops = user_operations({"displayName": "Ann Lee"}, before, after, ["title", "manager_id", "roles", "first_name"],
                          catalog=("Training Admin", "User Admin"))
    assert ops == [
        {"op": "remove", "path": "title"},
        {"op": "replace", "path": MANAGER_PATH, "value": {"value": "m9"}},
        {"op": "replace", "path": "roles", "value": [{"value": "Okta Group Admin", "primary": True},
                                                     {"value": "User Admin", "primary": False}]},
        {"op": "replace", "path": "name.givenName", "value": "Anne"},
        {"op": "replace", "path": "displayName", "value": "Anne Lee"},
    ]
    own_name = user_operations({"displayName": "The Ann"}, before, after, ["first_name"])
    assert own_name == [{"op": "replace", "path": "name.givenName", "value": "Anne"}]  # their display name kept


def test_what_the_server_did_not_keep() -> None:
    back = replace(BASE, title=None)
    assert not_kept(["title", "department"], BASE, back) == ["title"]
    assert dropped({"title": (None, "Dev"), "hire_date": (None, "2020-01-01"), "status": (None, "active"),
                    "email": (None, "ANN@x.example"), "manager": (None, "boss@x.example")}, back) == [
        "title", "hire_date"]


def test_a_server_without_the_extensions_gets_only_what_it_keeps() -> None:
    user = replace(BASE, hire_date="2020-01-01", location="Lyon", employee_id="E1")
    everything = user_to_scim(user)
    assert everything["schemas"][1:] == [ENTERPRISE_USER, ROSTER_USER]
    core_and_enterprise = user_to_scim(user, lambda f: f not in ("hire_date", "location"))
    assert ROSTER_USER not in core_and_enterprise and ROSTER_USER not in core_and_enterprise["schemas"]
    assert core_and_enterprise[ENTERPRISE_USER] == {"employeeNumber": "E1", "department": "Eng"}
    bare = user_to_scim(user, lambda f: f in ("title",))
    assert bare["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"] and bare["title"] == "Dev"


def test_the_operations_applied_to_a_whole_user_keep_everything_else() -> None:
    from roster_tui.core.user_changes import field_operations, with_operations

    read = {"id": "u1", "meta": {"version": 'W/"3"'}, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ann@x.example", "name": {"givenName": "Ann", "familyName": "Lee", "middleName": "Q"},
            "title": "Dev", "phoneNumbers": [{"value": "+1 555", "type": "work"}], "groups": [{"value": "g"}]}
    ops = [*field_operations("first_name", "Anne"), *field_operations("title", None),
           *field_operations("department", "Ops"), *field_operations("active", False)]
    put = with_operations(read, ops)
    assert put["name"] == {"givenName": "Anne", "familyName": "Lee", "middleName": "Q"}
    assert "title" not in put and put["active"] is False
    assert put[ENTERPRISE_USER] == {"department": "Ops"} and ENTERPRISE_USER in put["schemas"]
    assert put["phoneNumbers"] == read["phoneNumbers"]
    assert not {"id", "meta", "groups"} & set(put)
