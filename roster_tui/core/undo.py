"""The inverse of a recorded change: for each user it wrote, the write that takes them back to their document
before it, if they are still as the change left them. Pure, no I/O.

- a user the change created is deleted, or deactivated when they have training assignments already;
- a user it updated, deactivated or reactivated gets back each attribute as it was (a PATCH of exactly the
  attributes that differ; the service restores the training a deactivation cancelled when it reactivates);
- a user it deleted is created again from their document before (with a new id);
- a user changed since (another version than the change left) is a conflict, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from roster_tui.core.changes import USER_ACTIONS, Write
from roster_tui.core.scim import ROSTER_USER, user_from_scim
from roster_tui.core.user_changes import changed_fields

#: Attributes the service keeps itself, never sent back: ids, metadata, group memberships, the schema list,
#: and training assignments (restored by the service when a user is reactivated).
SERVICE_OWNED = frozenset({"id", "meta", "groups", "schemas"})
SERVICE_OWNED_SUB = {ROSTER_USER: frozenset({"trainingAssignments"})}
CONFLICT = "conflict"
CHANGED_SINCE = "changed since the change (version {now}, the change left {then}): not undone"


@dataclass
class UndoRow:
    """One user's inverse write: ``method`` and ``data`` are the request; ``changes`` maps each roster field to
    (now, after the undo) for the preview; ``reason`` says why this write (or why none)."""

    key: str
    action: str  # create | update | reactivate | deactivate | delete | conflict
    user_id: str | None
    version: str | None
    reason: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    method: str = ""
    data: Any = None
    line: int | None = None  # a number of its own, naming the row in a /Bulk request
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Touched:
    """What a change did to one user: the document before its first write (None: created by it), the version
    after its last write and whether that write deleted them."""

    user_id: str
    before: dict[str, Any] | None
    version: int | None
    deleted: bool
    key: str = ""


def touched_users(writes: Iterable[Write]) -> list[Touched]:
    """The users a change wrote, in the order first written, each folded into one :class:`Touched`."""
    out: dict[str, Touched] = {}
    for write in writes:
        if write.action not in USER_ACTIONS:
            continue
        found = out.get(write.user_id)
        if found is None:
            found = out[write.user_id] = Touched(write.user_id, write.before, write.version, False, write.key)
        found.version = write.version
        found.deleted = write.action == "delete"
    return list(out.values())


def _etag(version: int | None) -> str | None:
    return f'W/"{version}"' if version is not None else None


def restore_operations(current: Mapping[str, Any], before: Mapping[str, Any]) -> list[dict[str, Any]]:
    """PatchOp operations that make ``current`` hold ``before``'s attributes (those the service does not own):
    extension schemas and complex attributes attribute by attribute, multi-valued ones whole."""
    ops: list[dict[str, Any]] = []
    for name in sorted(current.keys() | before.keys()):
        if name in SERVICE_OWNED or current.get(name) == before.get(name):
            continue
        old, new = before.get(name), current.get(name)
        if name.startswith("urn:") and isinstance(old, dict) and isinstance(new, dict):
            owned = SERVICE_OWNED_SUB.get(name, frozenset())
            for sub in sorted(old.keys() | new.keys()):
                if sub not in owned and old.get(sub) != new.get(sub):
                    ops += _restore(f"{name}:{sub}", old.get(sub), new.get(sub), sub in old)
        else:
            ops += _restore(name, old, new, name in before)
    return ops


def _restore(path: str, old: Any, new: Any, present: bool) -> list[dict[str, Any]]:
    if not present or old is None:
        return [{"op": "remove", "path": path}]
    if isinstance(old, dict) and isinstance(new, dict):  # a complex attribute: each sub-attribute
        return [op for sub in sorted(old.keys() | new.keys()) if old.get(sub) != new.get(sub)
                for op in _restore(f"{path}.{sub}", old.get(sub), new.get(sub), sub in old)]
    return [{"op": "replace", "path": path, "value": old}]


def _field_changes(now: Mapping[str, Any] | None, then: Mapping[str, Any] | None) -> dict[str, tuple[Any, Any]]:
    """The roster fields that differ between two documents (None: no user), as field -> (now, then)."""
    a = user_from_scim(dict(now)) if now else None
    b = user_from_scim(dict(then)) if then else None
    if a is None or b is None:
        shown = b or a
        return {} if shown is None else {"email": (a.email if a else None, b.email if b else None)}
    out: dict[str, tuple[Any, Any]] = {}
    for name in changed_fields(a, b):
        if name not in ("roles", "admin"):
            out[name] = (getattr(a, name), getattr(b, name))
    if a.active != b.active:
        out["status"] = ("active" if a.active else "inactive", "active" if b.active else "inactive")
    return out


def has_assignments(doc: Mapping[str, Any]) -> bool:
    return bool((doc.get(ROSTER_USER) or {}).get("trainingAssignments"))


def inverse_row(touched: Touched, current: Mapping[str, Any] | None, current_version: int | None) -> UndoRow | None:
    """The write that takes one user back; None when there is nothing to take back."""
    key = touched.key
    if touched.before is None:  # created by the change
        if touched.deleted or current is None:
            return None
        if has_assignments(current):  # training given since (a write of its own): kept, the user deactivated
            if current.get("active", True) is False:
                return None
            return UndoRow(key, "deactivate", touched.user_id, _etag(current_version),
                           "created by the change, but has training assignments now: deactivated, not deleted",
                           {"status": ("active", "inactive")} if current.get("active", True) else {},
                           "PATCH", [{"op": "replace", "path": "active", "value": False}])
        if current_version != touched.version:
            return UndoRow(key, CONFLICT, touched.user_id, None,
                           CHANGED_SINCE.format(now=current_version, then=touched.version))
        return UndoRow(key, "delete", touched.user_id, _etag(current_version), "created by the change",
                       _field_changes(current, None), "DELETE")
    if touched.deleted:
        if current is not None:  # created again since
            return UndoRow(key, CONFLICT, touched.user_id, None, "deleted by the change, and back since")
        resource = {k: v for k, v in touched.before.items() if k not in ("id", "meta", "groups")}
        return UndoRow(key, "create", None, None, "deleted by the change: created again (with a new id)",
                       _field_changes(None, touched.before), "POST", resource)
    if current is None:
        return UndoRow(key, CONFLICT, touched.user_id, None, "deleted since the change: not undone")
    if current_version != touched.version:
        return UndoRow(key, CONFLICT, touched.user_id, None,
                       CHANGED_SINCE.format(now=current_version, then=touched.version))
    ops = restore_operations(current, touched.before)
    if not ops:
        return None
    was, now = touched.before.get("active", True) is not False, current.get("active", True) is not False
    action = "reactivate" if was and not now else "deactivate" if now and not was else "update"
    return UndoRow(key, action, touched.user_id, _etag(current_version), "back as before the change",
                   _field_changes(current, touched.before), "PATCH", ops)


def inverse_rows(touched: Iterable[Touched],
                 current: Mapping[str, tuple[dict[str, Any] | None, int | None]]) -> list[UndoRow]:
    """The inverse writes of a change, given each touched user's document and version now (None: gone): creates
    first (users the change deleted), then updates, then deletes; conflicts listed, never written."""
    rows = [row for t in touched if (row := inverse_row(t, *current.get(t.user_id, (None, None)))) is not None]
    order = {"create": 0, "reactivate": 1, "update": 2, "deactivate": 3, "delete": 4, CONFLICT: 5}
    # deletes in the reverse of the order created: a report before their manager, whose deletion would write
    # the report (manager removed) and so turn the report's delete into a conflict
    rows = [row for _i, row in sorted(enumerate(rows), key=lambda p: (order.get(p[1].action, 9),
                                                                      -p[0] if p[1].action == "delete" else p[0]))]
    for number, row in enumerate(rows, start=1):
        row.line = number
    return rows
