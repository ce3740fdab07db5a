"""The one small interface the service uses to keep users and groups: record types and the storage protocol.

What the storage refuses it raises as :mod:`roster_tui.server.storage.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

#: The versions of a resource a write may apply to: one, any of several (an ``If-Match`` list), or None (any).
Versions = int | Collection[int] | None


def is_stale(expected: Versions, current: int) -> bool:
    """Whether version ``current`` is none of the ``expected`` ones."""
    if expected is None:
        return False
    return current != expected if isinstance(expected, int) else current not in expected


def versions_text(expected: Versions) -> str:
    """``3``, or ``1 or 3``."""
    return str(expected) if isinstance(expected, int) else " or ".join(str(v) for v in sorted(expected or ()))


def now() -> str:
    """The time as records carry it (``created``, ``lastModified``, audit rows)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StoredUser(NamedTuple):
    """A user as stored: the SCIM document (JSON text, no id/meta) and its bookkeeping.

    A named tuple: a page builds a thousand of them, several times faster than a frozen dataclass.
    """

    id: str
    version: int
    created: str
    last_modified: str
    doc: str
    #: The groups the user is a member of, (id, displayName) each: not part of ``doc``, read with the user.
    groups: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class Member(NamedTuple):
    """A member of a group: the user's id and displayName (None: the user has none)."""

    id: str
    display: str | None


class StoredGroup(NamedTuple):
    """A group as stored; ``members`` is None when they were not asked for (``excludedAttributes=members``)."""

    id: str
    version: int
    created: str
    last_modified: str
    display_name: str
    external_id: str | None
    members: tuple[Member, ...] | None

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class GroupDoc(NamedTuple):
    """What a write makes of a group: its name, external id and the ids of its members (users; no repeats)."""

    display_name: str
    external_id: str | None
    members: tuple[str, ...]


#: Turns the stored document into the new one; runs inside the write transaction. What it raises (the
#: service's rules) goes through the storage untouched, and the write is not kept.
Mutation = Callable[[dict[str, Any]], dict[str, Any]]
#: The same for a group.
GroupMutation = Callable[[GroupDoc], GroupDoc]


class Writer(Protocol):
    """Writes inside one transaction; each call may be wrapped in a savepoint by ``savepoint()``."""

    def create(self, doc: dict[str, Any]) -> StoredUser:
        """Store a new user; ``NotUnique`` if another has the same userName, email or employee number."""
        ...

    def update(self, id: str, mutate: Mutation, expected_version: Versions, action: str) -> StoredUser:
        """Store ``mutate(doc)``; ``UserNotFound``, ``VersionMismatch`` or ``NotUnique`` if it cannot."""
        ...

    def delete(self, id: str, expected_version: Versions,
               check: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Delete the user once ``check(doc)`` passes; ``UserNotFound`` or ``VersionMismatch`` if it cannot."""
        ...

    def user_exists(self, id: str) -> bool: ...

    def records_only(self) -> AbstractContextManager[None]:
        """Inside, the writes' records come back without the users' groups."""
        ...

    def create_group(self, doc: GroupDoc) -> StoredGroup:
        """Store a new group; ``NotUnique`` if another has the displayName, ``UnknownMembers`` if a member is
        not a user."""
        ...

    def update_group(self, id: str, mutate: GroupMutation, expected_version: Versions, action: str,
                     named: Collection[str] = ()) -> StoredGroup:
        """Store ``mutate(doc)``; ``GroupNotFound``, ``VersionMismatch``, ``NotUnique`` or ``UnknownMembers`` if
        it cannot. ``named``: the user ids the mutation may add, looked up (and locked) before the group."""
        ...

    def delete_group(self, id: str, expected_version: Versions) -> None:
        """Delete the group (its users stay); ``GroupNotFound`` or ``VersionMismatch`` if it cannot."""
        ...

    def active_account_admins(self, excluding: str) -> int: ...

    def savepoint(self) -> AbstractContextManager[None]: ...


class Storage(Protocol):
    dialect: str

    def get(self, id: str) -> StoredUser | None: ...

    def list(self, filter: Any, sort_by: Any, descending: bool, offset: int, limit: int,
             ) -> tuple[int, list[StoredUser]]:
        """The number of matches and one page of them; ``NotFilterable`` or ``NotSortable`` if it cannot."""
        ...

    def get_group(self, id: str, members: bool = True) -> StoredGroup | None: ...

    def list_groups(self, filter: Any, sort_by: Any, descending: bool, offset: int, limit: int,
                    members: bool = True) -> tuple[int, list[StoredGroup]]:
        """As :meth:`list`, for groups; ``members``: read each group's members too."""
        ...

    def value_counts(self, name: str, filter: Any, limit: int) -> Any:
        """The most frequent values of a roster attribute among the matches (:mod:`.value_counts`)."""
        ...

    def write(self, actor: str) -> AbstractContextManager[Writer]: ...

    def audit_for(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]: ...

    def bulk_load(self, rows: Iterator[dict[str, Any]], batch: int = 5000) -> int: ...

    def close(self) -> None: ...
