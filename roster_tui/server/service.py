"""What each write means for a user, independent of HTTP: used by the endpoints and by /Bulk."""

from __future__ import annotations

import re
from typing import Any

from roster_tui.core.removal import (
    can_delete,
    deactivate_assignments,
    describe_counts,
    reactivate_assignments,
    status_counts,
)
from roster_tui.core.removal_plan import is_active_account_admin, last_admin_reason
from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER
from roster_tui.server.errors import ScimError, invalid_value, precondition_failed
from roster_tui.server.patch import apply_patch
from roster_tui.server.resource import keep_server_managed, validate_user
from roster_tui.server.storage.base import StoredUser, Versions, Writer

_ETAG = re.compile(r'(?:W/)?"([0-9]{1,18})"|([0-9]{1,18})')


def parse_if_match(value: object) -> frozenset[int] | None:
    """The versions an ``If-Match`` header (or a /Bulk operation's ``version``) accepts; None: any (``*`` or
    none given).

    A list of entity tags accepts any of them (RFC 9110 §13.1.1); a tag is ``W/"3"``, ``"3"`` or ``3``, in ASCII
    digits. A tag that is none of these matches no version: 412 if none of the tags is one.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_value(f"version must be an entity tag such as W/\"3\", not {type(value).__name__}")
    tags = [tag.strip() for tag in value.split(",")]
    if "*" in tags:
        return None
    versions = frozenset(int(m.group(1) or m.group(2)) for m in map(_ETAG.fullmatch, tags) if m)
    if not versions:
        raise precondition_failed(f"If-Match {value[:80]!r} does not match any version of this user")
    return versions


def _manager(doc: dict[str, Any]) -> str | None:
    return ((doc.get(ENTERPRISE_USER) or {}).get("manager") or {}).get("value")


def _check_manager(writer: Writer, old: dict[str, Any] | None, new: dict[str, Any], own_id: str | None) -> None:
    manager = _manager(new)
    if manager is None or (old is not None and manager == _manager(old)):
        return
    if manager == own_id:
        raise invalid_value("a user cannot be their own manager")
    if not writer.user_exists(manager):
        raise invalid_value(f"manager '{manager}' is not a user of this roster")


def _assignments(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return (doc.get(ROSTER_USER) or {}).get("trainingAssignments") or []


def _is_active(doc: dict[str, Any]) -> bool:
    return doc.get("active", True) is not False


def _is_active_account_admin(doc: dict[str, Any]) -> bool:
    return is_active_account_admin(_is_active(doc), [r.get("value") for r in doc.get("roles") or []])


def _guard_last_admin(writer: Writer, id: str, old: dict[str, Any], new: dict[str, Any] | None) -> None:
    """The last active Account Admin can be neither deactivated, deleted nor stripped of that role."""
    if _is_active_account_admin(old) and (new is None or not _is_active_account_admin(new)) \
            and writer.active_account_admins(excluding=id) == 0:
        action = "delete" if new is None else ("deactivate" if not _is_active(new) else "unassign")
        raise ScimError(409, last_admin_reason(str(old.get("userName")), action))


def _keep_status(old: dict[str, Any], new: dict[str, Any], *, keep_true: bool) -> dict[str, Any]:
    """An omitted, removed or null ``active`` leaves the status as it was: it never reactivates anyone.

    An inactive user keeps ``false``. An active user's ``active`` is kept by PUT (``keep_true``); a PATCH that
    removes it leaves it unassigned as RFC 7644 §3.5.2.2 says, which reads as active all the same.
    """
    if "active" not in new and "active" in old and (keep_true or not _is_active(old)):
        new["active"] = old["active"]
    return new


def _status_rules(writer: Writer, id: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Deactivation cancels the assignments not yet completed, recording the status each had; reactivation
    gives those back (core/removal has the rules)."""
    _guard_last_admin(writer, id, old, new)
    if _is_active(old) != _is_active(new) and _assignments(new):
        change = reactivate_assignments if _is_active(new) else deactivate_assignments
        new = {**new, ROSTER_USER: {**new[ROSTER_USER], "trainingAssignments": change(_assignments(new))}}
    return new


def new_user_doc(body: Any) -> dict[str, Any]:
    """The document a create would store; pure, so it runs before the write is queued."""
    doc = validate_user(body)
    doc.setdefault("active", True)
    return doc


def insert_user(writer: Writer, doc: dict[str, Any]) -> StoredUser:
    _check_manager(writer, None, doc, None)
    return writer.create(doc)


def create_user(writer: Writer, body: Any) -> StoredUser:
    return insert_user(writer, new_user_doc(body))


def replace_user(writer: Writer, id: str, body: Any, version: Versions) -> StoredUser:
    new = validate_user(body)

    def mutate(old: dict[str, Any]) -> dict[str, Any]:
        doc = _keep_status(old, keep_server_managed(old, dict(new)), keep_true=True)
        _check_manager(writer, old, doc, id)
        return _status_rules(writer, id, old, doc)

    return writer.update(id, mutate, version, "replace")


def patch_user(writer: Writer, id: str, body: Any, version: Versions) -> StoredUser:
    def mutate(old: dict[str, Any]) -> dict[str, Any]:
        doc = _keep_status(old, keep_server_managed(old, validate_user(apply_patch(old, body))), keep_true=False)
        _check_manager(writer, old, doc, id)
        return _status_rules(writer, id, old, doc)

    return writer.update(id, mutate, version, "patch")


def delete_user(writer: Writer, id: str, version: Versions) -> None:
    """Delete only a user with no training assignments at all; otherwise deactivation is the way.

    The storage clears the manager of the user's reports in the same transaction.
    """

    def check(old: dict[str, Any]) -> None:
        statuses = [a.get("status", "") for a in _assignments(old)]
        if not can_delete(statuses):
            raise ScimError(409, f"{old.get('userName')} has {describe_counts(status_counts(statuses))}; "
                                 "deleting would lose training records. Deactivate the user instead "
                                 "(PATCH active false), which keeps completed records.")
        _guard_last_admin(writer, id, old, None)

    writer.delete(id, version, check)
