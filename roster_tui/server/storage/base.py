"""The one small interface the service uses to keep users: a record type and the storage protocol.

What the storage refuses it raises as :mod:`roster_tui.server.storage.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol


class StoredUser(NamedTuple):
    """A user as stored: the SCIM document (JSON text, no id/meta) and its bookkeeping.

    A named tuple: a page builds a thousand of them, several times faster than a frozen dataclass.
    """

    id: str
    version: int
    created: str
    last_modified: str
    doc: str

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


#: Turns the stored document into the new one; runs inside the write transaction. What it raises (the
#: service's rules) goes through the storage untouched, and the write is not kept.
Mutation = Callable[[dict[str, Any]], dict[str, Any]]


class Writer(Protocol):
    """Writes inside one transaction; each call may be wrapped in a savepoint by ``savepoint()``."""

    def create(self, doc: dict[str, Any]) -> StoredUser:
        """Store a new user; ``NotUnique`` if another has the same userName, email or employee number."""
        ...

    def update(self, id: str, mutate: Mutation, expected_version: int | None, action: str) -> StoredUser:
        """Store ``mutate(doc)``; ``UserNotFound``, ``VersionMismatch`` or ``NotUnique`` if it cannot."""
        ...

    def delete(self, id: str, expected_version: int | None,
               check: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Delete the user once ``check(doc)`` passes; ``UserNotFound`` or ``VersionMismatch`` if it cannot."""
        ...

    def user_exists(self, id: str) -> bool: ...

    def active_account_admins(self, excluding: str) -> int: ...

    def savepoint(self) -> AbstractContextManager[None]: ...


class Storage(Protocol):
    dialect: str

    def get(self, id: str) -> StoredUser | None: ...

    def list(self, filter: Any, sort_by: Any, descending: bool, offset: int, limit: int,
             ) -> tuple[int, list[StoredUser]]:
        """The number of matches and one page of them; ``NotFilterable`` or ``NotSortable`` if it cannot."""
        ...

    def write(self, actor: str) -> AbstractContextManager[Writer]: ...

    def audit_for(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]: ...

    def bulk_load(self, rows: Iterator[dict[str, Any]], batch: int = 5000) -> int: ...

    def close(self) -> None: ...
