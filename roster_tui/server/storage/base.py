"""The one small interface the service uses to keep users: a record type and the storage protocol."""

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


#: Turns the stored document into the new one (or raises a ScimError); runs inside the write transaction.
Mutation = Callable[[dict[str, Any]], dict[str, Any]]


class Writer(Protocol):
    """Writes inside one transaction; each call may be wrapped in a savepoint by ``savepoint()``."""

    def create(self, doc: dict[str, Any]) -> StoredUser: ...

    def update(self, id: str, mutate: Mutation, expected_version: int | None, action: str) -> StoredUser: ...

    def delete(self, id: str, expected_version: int | None,
               check: Callable[[dict[str, Any]], None] | None = None) -> None: ...

    def user_exists(self, id: str) -> bool: ...

    def active_account_admins(self, excluding: str) -> int: ...

    def savepoint(self) -> AbstractContextManager[None]: ...


class Storage(Protocol):
    dialect: str

    def get(self, id: str) -> StoredUser | None: ...

    def list(self, filter: Any, sort_by: Any, descending: bool, offset: int, limit: int,
             ) -> tuple[int, list[StoredUser]]: ...

    def write(self, actor: str) -> AbstractContextManager[Writer]: ...

    def audit_for(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]: ...

    def bulk_load(self, rows: Iterator[dict[str, Any]], batch: int = 5000) -> int: ...

    def close(self) -> None: ...
