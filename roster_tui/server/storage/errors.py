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
