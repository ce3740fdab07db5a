"""What the storage refuses, in its own terms; the API layer says each in SCIM terms (``server/errors.py``).

``str()`` of each error is a sentence for people: the API passes it on as the error's detail.
"""

from __future__ import annotations


class StorageError(Exception):
    """A read or write the storage refused; nothing of the refused write was kept."""


class UserNotFound(StorageError):
    """No user has the id ``id``."""

    def __init__(self, id: str) -> None:
        super().__init__(f"User {id} not found")
        self.id = id


class GroupNotFound(StorageError):
    """No group has the id ``id``."""

    def __init__(self, id: str) -> None:
        super().__init__(f"Group {id} not found")
        self.id = id


class UnknownMembers(StorageError):
    """Members named by a group write are not users of the roster (``ids``: those values)."""

    def __init__(self, ids: list[str]) -> None:
        shown = ", ".join(repr(i) for i in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        super().__init__(f"members must be users of this roster; not a user: {shown}")
        self.ids = ids


class VersionMismatch(StorageError):
    """The write was for version ``expected`` of user (or group) ``id``, which is at version ``current`` now
    (None: another writer changed the user while this write ran)."""

    def __init__(self, id: str, expected: int | None, current: int | None, message: str) -> None:
        super().__init__(message)
        self.id = id
        self.expected = expected
        self.current = current


class NotUnique(StorageError):
    """Another user (or group: ``kind``) has the same value of the unique ``attribute`` (a SCIM attribute path;
    None: not known)."""

    def __init__(self, attribute: str | None, kind: str = "user") -> None:
        super().__init__(f"{attribute} is already taken by another {kind}" if attribute
                         else f"the {kind} conflicts with an existing {kind}")
        self.attribute = attribute


class NotFilterable(StorageError):
    """A filter names an attribute the storage cannot filter on."""


class NotSortable(StorageError):
    """A sort names an attribute (or several) the storage cannot sort by."""


class Unstorable(StorageError):
    """A value the database cannot hold or compare with (PostgreSQL text with a NUL, a number out of range)."""


class DatabaseFault(StorageError):
    """The database could not serve the request at all, and nothing of it was kept: the whole request fails
    (never one /Bulk operation alone). ``retry``: whether the same request may succeed shortly."""

    retry = False


class DatabaseBusy(DatabaseFault):
    """Another writer held a lock past the wait allowed (or two writers deadlocked and this one gave way)."""

    retry = True


class DatabaseUnavailable(DatabaseFault):
    """The database cannot be reached, or the connection to it was lost; the connection has been discarded."""

    retry = True


class DatabaseReadOnly(DatabaseFault):
    """The database refuses writes (a read-only file or filesystem, a read-only server): an operator must act."""


class DatabaseFull(DatabaseFault):
    """The disk holding the database is full."""


class DatabaseDamaged(DatabaseFault):
    """The database file is damaged (or is not a database at all)."""
