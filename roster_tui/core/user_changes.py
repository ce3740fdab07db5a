"""What changed between versions of a user, the three-way merge of two edits, and the SCIM PatchOp that writes
exactly the changed fields (and keeps every attribute it does not name). Pure functions.

A write changes only what the admin or the file asked to change: anything else a user's resource holds
(externalId, phone numbers, other emails, roles outside the catalog, what an identity provider wrote) belongs to
someone else and is never sent back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from roster_tui.core.models import User
from roster_tui.core.scim import ENTERPRISE_USER, FIELD_PATHS, primary_email

#: The fields of a user that the console edits, in the profile's order (``manager_id`` is the manager).
EDITABLE: tuple[str, ...] = ("email", "employee_id", "first_name", "last_name", "title", "department", "division",
                             "location", "manager_id", "hire_date", "active", "roles")
MANAGER_PATH = f"{ENTERPRISE_USER}:manager"


def changed_fields(before: User, after: User) -> list[str]:
    """The editable fields whose values differ (roles compared as sets, emails case-insensitively)."""
    out = []
    for name in EDITABLE:
        a, b = getattr(before, name), getattr(after, name)
        if name == "roles":
            differ = set(a) != set(b)
        elif name == "email":
            differ = (a or "") != (b or "")
        else:
            differ = (a or None) != (b or None) if not isinstance(a, bool) else a != b
        if differ:
            out.append(name)
    return out


def not_kept(fields: Iterable[str], sent: User, back: User) -> list[str]:
    """Of the ``fields`` written from ``sent``, those the server gave ``back`` otherwise (dropped or changed)."""
    differ = set(changed_fields(sent, back))
    return [f for f in fields if f in differ]


def dropped(changes: Mapping[str, tuple[Any, Any]], back: User) -> list[str]:
    """The plan fields (``changes``: field -> (before, after)) whose written value the server's answer ``back``
    does not hold: a server that answered 200/201 but silently left a value out."""
    out = []
    for name, (_before, after) in changes.items():
        if name == "manager" or after is None:  # a manager is written by id; a clear leaves nothing to see
            continue
        held = ("active" if back.active else "inactive") if name == "status" else getattr(back, name, None)
        if name == "email":
            held, after = (held or "").lower(), str(after).lower()
        if (held or None) != after:
            out.append(name)
    return out


def merge(base: User, mine: User, theirs: User) -> tuple[list[str], list[str]]:
    """``(mine_only, conflicts)``: the fields only this edit changed, and those both sides changed differently.

    Fields only the other side changed are theirs to keep; fields both changed to the same value need no write.
    """
    ours = changed_fields(base, mine)
    others = set(changed_fields(base, theirs))
    conflicts = [n for n in ours if n in others and n in changed_fields(mine, theirs)]
    mine_only = [n for n in ours if n not in others]
    return mine_only, conflicts


def emails_with(emails: Any, new_email: str) -> list[dict[str, Any]]:
    """The resource's ``emails`` with the roster email (see :func:`primary_email`) changed to ``new_email``.

    The other addresses (home, other) are kept as they are; with none, a primary work email is the list.
    """
    items = [dict(e) for e in emails if isinstance(e, dict)] if isinstance(emails, list) else []
    current = primary_email({"emails": items}) if items else ""
    for item in items:
        if current and item.get("value") == current:
            item["value"] = new_email
            return items
    return [{"value": new_email, "type": "work", "primary": True},
            *({**e, "primary": False} for e in items)]


def field_operations(name: str, value: Any, resource: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """PatchOp operations setting one roster field to ``value`` (None clears it).

    ``resource`` is the user as read (for the email list and the display name); ``manager_id`` takes the
    manager's id (or a ``bulkId:`` reference); ``roles`` a sequence of role names; ``active`` a bool.
    """
    resource = resource or {}
    if name == "active":
        return [{"op": "replace", "path": "active", "value": bool(value)}]
    if name == "email":
        return [{"op": "replace", "path": "userName", "value": value},
                {"op": "replace", "path": "emails", "value": emails_with(resource.get("emails"), value)}]
    if name == "manager_id":
        if value is None:
            return [{"op": "remove", "path": MANAGER_PATH}]
        return [{"op": "replace", "path": MANAGER_PATH, "value": {"value": value}}]
    if name == "roles":
        if not value:
            return [{"op": "remove", "path": "roles"}]
        return [{"op": "replace", "path": "roles",
                 "value": [{"value": r, "primary": i == 0} for i, r in enumerate(value)]}]
    path = FIELD_PATHS[name]
    if value is None or value == "":
        return [{"op": "remove", "path": path}]
    return [{"op": "replace", "path": path, "value": value}]


def _display_name_ops(resource: Mapping[str, Any], before: User, after: User) -> list[dict[str, Any]]:
    """Follow a name change in ``displayName`` when it was the roster's own ``First Last`` (or unset)."""
    shown = resource.get("displayName")
    if after.display_name == before.display_name or (shown and shown != before.display_name):
        return []
    return [{"op": "replace", "path": "displayName", "value": after.display_name}]


def user_operations(resource: Mapping[str, Any], before: User, after: User, fields: Iterable[str],
                    *, catalog: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The PatchOp operations that write ``fields`` of ``after`` onto the user read as ``resource``/``before``.

    Roles outside ``catalog`` (the admin roles the console offers) are someone else's and are kept.
    """
    ops: list[dict[str, Any]] = []
    names = list(fields)
    for name in names:
        value = getattr(after, name)
        if name == "roles":
            offered = set(catalog)
            kept = [r for r in before.roles if offered and r not in offered]
            value = [*kept, *(r for r in value if r not in kept)]
        ops += field_operations(name, value, resource)
    if "first_name" in names or "last_name" in names:
        ops += _display_name_ops(resource, before, after)
    return ops


#: What a PUT never sends back: the server's own attributes.
READ_ONLY = ("id", "meta", "groups")


def with_operations(resource: Mapping[str, Any], operations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """``resource`` with the operations of :func:`field_operations` applied, for a server that takes a whole user
    (PUT) but not those PATCH operations: everything else the resource holds goes back as it was read."""
    out: dict[str, Any] = {k: v for k, v in resource.items() if k not in READ_ONLY}
    for operation in operations:
        path, value = operation["path"], operation.get("value")
        urn, _, attribute = path.rpartition(":") if path.startswith("urn:") else ("", "", path)
        container = out.setdefault(urn, {}) if urn else out
        if urn and urn not in out.get("schemas", [urn]):
            out["schemas"] = [*out.get("schemas", []), urn]
        head, _, sub = attribute.partition(".")
        if operation["op"] == "remove":
            if sub and isinstance(container.get(head), dict):
                container[head].pop(sub, None)
            else:
                container.pop(head, None)
        elif sub:
            container[head] = {**(container.get(head) or {}), sub: value}
        else:
            container[head] = value
    return out
