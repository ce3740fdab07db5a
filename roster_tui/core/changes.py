"""The change journal as the roster service and its clients share it: names on the wire and the record types.

Each import, removal or undo is applied as one *change*: opened before its first write, each write sent with
the change's id in the :data:`CHANGE_HEADER` header (the service keeps the user's document before the write
with its audit row), closed after the last. A change left open is an apply that was interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Published in ``/Schemas`` by a service that keeps a change journal (ServiceProviderConfig takes no extensions).
CHANGE = "urn:roster-tui:params:scim:api:messages:2.0:Change"
CHANGES_ENDPOINT = "/Changes"
CHANGE_HEADER = "X-Roster-Change"
KINDS = ("import", "removal", "undo")
OPEN, DONE, STOPPED = "open", "done", "stopped"
#: Audit actions that write a user (the others are a group's).
USER_ACTIONS = frozenset({"create", "replace", "patch", "delete", "manager-deleted"})


@dataclass(frozen=True)
class Change:
    """One change: what, who, when, from what source, the plan's counts and, once closed, the outcome."""

    id: int
    kind: str
    status: str
    opened: str
    token: str
    source: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    outcome: dict[str, Any] | None = None
    closed: str | None = None
    undoes: int | None = None
    writing: int = 0  # its requests the service is still writing (a client that died left them in flight)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Change:
        return cls(id=int(body["id"]), kind=str(body.get("kind", "")), status=str(body.get("status", "")),
                   opened=str(body.get("opened", "")), token=str(body.get("token", "")),
                   source=dict(body.get("source") or {}), counts=dict(body.get("counts") or {}),
                   outcome=body.get("outcome"), closed=body.get("closed"), undoes=body.get("undoes"),
                   writing=int(body.get("writing") or 0))

    @property
    def described(self) -> str:
        """The source in a few words: the file, the number of keys, or the change undone."""
        if self.kind == "undo" and self.undoes is not None:
            return f"undo of change {self.undoes}"
        if self.source.get("file"):
            return str(self.source["file"])
        if self.source.get("keys"):
            return f"{self.source['keys']} keys"
        return str(self.source.get("what") or self.kind)


@dataclass(frozen=True)
class Write:
    """One write of a change: the user, the audit action, the fields before -> after, the whole document before
    (None for a create) and the version after (before, for a delete)."""

    seq: int
    user_id: str
    action: str
    changes: dict[str, list[Any]]
    before: dict[str, Any] | None
    version: int | None
    at: str = ""

    @property
    def key(self) -> str:
        """Who was written, as a person reads it: the email (or user name), else the id."""
        if self.before:
            emails = [e for e in self.before.get("emails") or [] if isinstance(e, dict) and e.get("value")]
            primary = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
            return str((primary or {}).get("value") or self.before.get("userName") or self.user_id)
        after = {name: pair[1] for name, pair in self.changes.items() if isinstance(pair, list) and len(pair) == 2}
        return str(after.get("email") or after.get("user_name") or self.user_id)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Write:
        return cls(seq=int(body["seq"]), user_id=str(body["user"]), action=str(body["action"]),
                   changes=dict(body.get("changes") or {}), before=body.get("before"),
                   version=body.get("version"), at=str(body.get("at", "")))
