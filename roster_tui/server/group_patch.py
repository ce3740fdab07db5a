"""PATCH on a group (RFC 7644 §3.5.2), in the shapes identity providers send.

* Microsoft Entra ID: ``{"op": "Add", "path": "members", "value": [{"value": id}]}``, ``{"op": "Remove",
  "path": "members", "value": [...]}`` or ``"path": "members[value eq \\"id\\"]"``, ``{"op": "Replace",
  "path": "displayName", "value": name}``.
* Okta: the same, and a rename without a path whose value carries the read-only ``id``:
  ``{"op": "replace", "value": {"id": id, "displayName": name}}``.

The body is checked whole before anything is applied; applying it is a list of steps, each a function of the
group. Removing a member the group does not have changes nothing: providers retry removals, and a user
deleted has left its groups already. A member filter sees each member's ``value`` and ``type``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roster_tui.server.errors import invalid_path, invalid_syntax, invalid_value, mutability
from roster_tui.server.filter_eval import element_matches
from roster_tui.server.filters import AttrPath, Compare, Node, parse_path
from roster_tui.server.group_resource import member_ids, text
from roster_tui.server.patch_op import operations
from roster_tui.server.schemas import CORE_GROUP
from roster_tui.server.storage.base import GroupDoc

Step = Callable[[GroupDoc], GroupDoc]
_READ_ONLY = {"id", "meta", "schemas"}
_VALUE = AttrPath(None, "members", "value")


def _add(ids: tuple[str, ...]) -> Step:
    def step(doc: GroupDoc) -> GroupDoc:
        have = set(doc.members)
        return doc._replace(members=doc.members + tuple(i for i in ids if i not in have))
    return step


def _remove(ids: tuple[str, ...]) -> Step:
    gone = set(ids)
    return lambda doc: doc._replace(members=tuple(i for i in doc.members if i not in gone))


def _remove_matching(node: Node) -> Step:
    if isinstance(node, Compare) and node.path == _VALUE and node.op == "eq" and isinstance(node.value, str):
        return _remove((node.value,))  # members[value eq "id"], the usual one: no filter to evaluate

    def step(doc: GroupDoc) -> GroupDoc:
        return doc._replace(members=tuple(i for i in doc.members
                                          if not element_matches(node, {"value": i, "type": "User"}, CORE_GROUP)))
    return step


def _set(**fields: Any) -> Step:
    return lambda doc: doc._replace(**fields)


def _members_steps(op: str, value: Any, has_value: bool) -> list[Step]:
    """add / replace / remove on the path ``members``."""
    if op == "add":
        return [_add(member_ids(value))]
    if op == "replace":
        return [_set(members=member_ids(value))]
    if has_value and value not in (None, []):  # Okta and Entra ID: remove these members
        return [_remove(member_ids(value))]
    return [_set(members=())]


def _attribute_steps(op: str, key: str, value: Any, group_id: str) -> list[Step]:
    """One attribute of a path-less add or replace (Okta's rename carries the group's own id)."""
    lowered = key.lower()
    if lowered == "schemas" or (lowered == "id" and value == group_id):
        return []
    if lowered in _READ_ONLY:
        raise mutability(f"'{key}' cannot be changed")
    if lowered == CORE_GROUP.lower() and isinstance(value, dict):
        return [s for k, v in value.items() for s in _attribute_steps(op, k, v, group_id)]
    if lowered == "displayname":
        return [_set(display_name=text("displayName", value, required=True))]
    if lowered == "externalid":
        return [_set(external_id=text("externalId", value))]
    if lowered == "members":
        return _members_steps(op, value, True)
    raise invalid_syntax(f"unknown attribute '{key}'")


def _path_steps(op: str, path_text: str, value: Any, has_value: bool) -> list[Step]:
    if path_text.strip().lower() in _READ_ONLY:
        raise mutability(f"'{path_text}' cannot be changed")
    path = parse_path(path_text, CORE_GROUP)
    attr = path.attr
    if attr.urn is None and attr.attr in ("id", "meta"):
        raise mutability(f"'{attr.attr}' cannot be changed")
    if attr.attr == "displayName":
        if op == "remove":
            raise invalid_value("displayName is required: it can be replaced, not removed")
        return [_set(display_name=text("displayName", value, required=True))]
    if attr.attr == "externalId":
        return [_set(external_id=None if op == "remove" else text("externalId", value))]
    if attr.sub is not None:
        raise mutability(f"'{path_text}': a member's {attr.sub} cannot be changed; add or remove the member")
    if path.value_filter is None:
        return _members_steps(op, value, has_value)
    if op == "add":
        raise invalid_path(f"'{path_text}': add takes the path 'members'; a filter selects members to replace "
                           "or remove")
    steps = [_remove_matching(path.value_filter)]
    return steps + ([_add(member_ids(value))] if op == "replace" else [])


def parse_group_patch(body: Any, group_id: str) -> tuple[list[Step], set[str]]:
    """The steps of a PatchOp request on group ``group_id``, and the user ids they may add."""
    steps: list[Step] = []
    named: set[str] = set()
    for operation in operations(body):
        op, path, value = operation.op, operation.path, operation.value
        if path is None:
            steps += [s for key, v in value.items() for s in _attribute_steps(op, key, v, group_id)]
            members = next((v for k, v in value.items() if k.lower() == "members"), None)
        else:
            steps += _path_steps(op, path, value, operation.has_value)
            members = value if op != "remove" and path.strip().lower().startswith("members") else None
        if op != "remove" and members is not None:
            named.update(member_ids(members))
    return steps, named
