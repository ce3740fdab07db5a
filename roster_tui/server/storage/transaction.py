"""One write transaction's plumbing: its savepoints, and its audit rows, written together just before it commits.

A write adds its audit row to the transaction's list; a rollback to a savepoint drops the rows written since, so
the list always holds exactly the writes kept. Nothing reads the audit table inside a write transaction, so the
rows need not be in the table before the commit, and one statement writes them all (a request of thousands of
writes was otherwise a round trip more per write).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from roster_tui.server.storage.tables import audit

_INSERT_AUDIT = insert(audit)


def dumps(doc: Any) -> str:
    """A document as the database keeps it (JSON text)."""
    return orjson.dumps(doc).decode()


class Transaction:
    """A connection in a transaction, the actor writing, and the recorded change its writes belong to."""

    def __init__(self, conn: Connection, actor: str) -> None:
        self.conn = conn
        self.actor = actor
        self.change: int | None = None  # the recorded change the writes belong to (set per job)
        self._depth = 0
        self._audit_rows: list[dict[str, Any]] = []
        self._seen: set[str] = set()  # users seen to exist, and locked (SqlWriter.user_exists)
        self.with_groups = True  # whether a user's record comes back with their groups (:meth:`records_only`)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo only what the block wrote if it raises (plain SQL: lighter than a nested Transaction)."""
        self._depth += 1
        name, kept = f"sp{self._depth}", len(self._audit_rows)
        self.conn.exec_driver_sql(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            del self._audit_rows[kept:]
            self._seen.clear()  # the locks taken since are released
            if not self.conn.invalidated:  # a lost connection has no savepoint left: the error says so
                self.conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1

    @contextmanager
    def records_only(self) -> Iterator[None]:
        """Inside, a write returns the user's record without their groups (/Bulk answers with each user's
        location and version only: a query less a write)."""
        self.with_groups = False
        try:
            yield
        finally:
            self.with_groups = True

    def _audit(self, user_id: str, action: str, changes: dict[str, list[Any]], at: str,
               before: str | None = None, version: int | None = None) -> None:
        """The audit row of a write; in a recorded change it also keeps the document ``before`` the write and
        the ``version`` after it (before it, for a delete). Written by :meth:`write_audit`."""
        recorded = self.change is not None
        self._audit_rows.append({"at": at, "token_name": self.actor, "user_id": user_id, "action": action,
                                 "changes": dumps(changes), "change_id": self.change,
                                 "before_doc": before if recorded else None,
                                 "version": version if recorded else None})

    def write_audit(self) -> None:
        """Write the audit rows of the writes kept, in the order they were made (the commit comes next)."""
        if self._audit_rows:
            self.conn.execute(_INSERT_AUDIT, self._audit_rows)
            self._audit_rows = []
