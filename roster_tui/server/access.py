"""Access roles enforced by the service (:mod:`roster_tui.core.access` says what each may do).

Two checks, each in one place: :func:`check_write` runs before every route (a viewer's write is refused
before its body is read), and :func:`guarded` wraps every write the routes queue, so an editor's change to a
user's admin roles is refused wherever it comes from: POST, PUT, PATCH in any path form, or one operation of
/Bulk (that operation alone).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from typing import Any

from roster_tui.core.access import ACCOUNT_ADMIN_ACCESS, EDITOR, VIEWER, admin_roles_refusal, viewer_refusal
from roster_tui.server.auth import Actor
from roster_tui.server.errors import ScimError
from roster_tui.server.storage.base import (
    GroupDoc,
    GroupMutation,
    Mutation,
    StoredGroup,
    StoredUser,
    Versions,
    Writer,
)

WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))


def is_read(method: str, route_path: str) -> bool:
    """Whether a request only reads: GET and HEAD, and a POST to a ``.search`` route (RFC 7644 §3.4.3)."""
    return method not in WRITE_METHODS or (method == "POST" and route_path.endswith("/.search"))


def check_write(actor: Actor, method: str, route_path: str) -> None:
    """403 for a viewer's write."""
    if actor.role == VIEWER and not is_read(method, route_path):
        raise ScimError(403, viewer_refusal(actor))


def admin_roles(doc: dict[str, Any] | None) -> frozenset[str]:
    """The admin roles a user document holds (their values; none: not an admin)."""
    roles = (doc or {}).get("roles")
    if not isinstance(roles, list):
        return frozenset()
    return frozenset(str(r.get("value")) for r in roles if isinstance(r, dict) and r.get("value") is not None)


def _who(doc: dict[str, Any]) -> str:
    return str(doc.get("userName") or "this user")[:80]


class EditorWriter:
    """A writer for an editor's requests: every user write goes through the real one, and any that would
    change a user's admin roles (grant, change or remove them; deleting an admin) is refused with 403."""

    def __init__(self, writer: Writer, actor: Actor) -> None:
        self._writer = writer
        self._actor = actor

    def _refuse(self, what: str) -> ScimError:
        return ScimError(403, admin_roles_refusal(self._actor, what))

    def create(self, doc: dict[str, Any]) -> StoredUser:
        if admin_roles(doc):
            raise self._refuse(f"request gives {_who(doc)} admin roles")
        return self._writer.create(doc)

    def update(self, id: str, mutate: Mutation, expected_version: Versions, action: str) -> StoredUser:
        def checked(old: dict[str, Any]) -> dict[str, Any]:
            new = mutate(old)
            if admin_roles(new) != admin_roles(old):
                raise self._refuse(f"request changes the admin roles of {_who(old)}")
            return new

        return self._writer.update(id, checked, expected_version, action)

    def delete(self, id: str, expected_version: Versions,
               check: Callable[[dict[str, Any]], None] | None = None) -> None:
        def checked(old: dict[str, Any]) -> None:
            if admin_roles(old):
                raise self._refuse(f"request deletes {_who(old)}, an admin")
            if check is not None:
                check(old)

        self._writer.delete(id, expected_version, checked)

    def user_exists(self, id: str) -> bool:
        return self._writer.user_exists(id)

    def create_group(self, doc: GroupDoc) -> StoredGroup:
        return self._writer.create_group(doc)

    def update_group(self, id: str, mutate: GroupMutation, expected_version: Versions, action: str,
                     named: Collection[str] = ()) -> StoredGroup:
        return self._writer.update_group(id, mutate, expected_version, action, named)

    def delete_group(self, id: str, expected_version: Versions) -> None:
        self._writer.delete_group(id, expected_version)

    def active_account_admins(self, excluding: str) -> int:
        return self._writer.active_account_admins(excluding)

    def savepoint(self) -> AbstractContextManager[None]:
        return self._writer.savepoint()

    def __getattr__(self, name: str) -> Any:  # anything else a write function reads of its writer
        return getattr(self._writer, name)


def guarded(fn: Callable[..., Any], actor: Actor) -> Callable[..., Any]:
    """``fn(writer, *args)`` as ``actor`` may run it: as it is for an account-admin, with an
    :class:`EditorWriter` for an editor; a viewer's is refused."""
    if actor.role == ACCOUNT_ADMIN_ACCESS:
        return fn

    def run(writer: Writer, *args: Any) -> Any:
        if actor.role != EDITOR:  # a viewer's write that got this far: refused all the same
            raise ScimError(403, viewer_refusal(actor))
        return fn(EditorWriter(writer, actor), *args)

    return run


