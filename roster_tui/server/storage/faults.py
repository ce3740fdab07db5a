"""What a database error means, decided in one place: each engine raises the storage's own errors instead of the
driver's (a busy or lost database, a read-only file, a full disk, a damaged file, a value it cannot hold).

Errors with no such meaning (a unique value taken, the service's own mistakes) are left as they are. A lost
connection is marked a disconnect, so the pool discards it (and the others opened before it) rather than lending
it out again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DataError, IntegrityError

from roster_tui.server.storage.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseFault,
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    StorageError,
    Unstorable,
)

BUSY = "the database is busy with another writer; retry shortly"
UNAVAILABLE = "the database is not available; retry shortly"
READ_ONLY = ("the database is read-only (its file, its filesystem or the server refuses writes); "
             "an operator must make it writable")
FULL = "the disk holding the database is full; an operator must free space"
DAMAGED = "the database file is damaged; restore it from a backup"
IO_ERROR = "the database file cannot be read or written (a disk I/O error); an operator must look at the disk"

#: SQLite result codes (the primary name, before any extended ``_`` suffix) and what they mean.
_SQLITE: dict[str, tuple[type[StorageError], str]] = {
    "SQLITE_BUSY": (DatabaseBusy, BUSY),
    "SQLITE_LOCKED": (DatabaseBusy, BUSY),
    "SQLITE_READONLY": (DatabaseReadOnly, READ_ONLY),
    "SQLITE_PERM": (DatabaseReadOnly, READ_ONLY),
    "SQLITE_FULL": (DatabaseFull, FULL),
    "SQLITE_CORRUPT": (DatabaseDamaged, DAMAGED),
    "SQLITE_NOTADB": (DatabaseDamaged, DAMAGED),
    "SQLITE_IOERR": (DatabaseFault, IO_ERROR),
    "SQLITE_CANTOPEN": (DatabaseFault, "the database file cannot be opened; an operator must look at it"),
    "SQLITE_TOOBIG": (Unstorable, "a value is too large to store"),
}
#: PostgreSQL SQLSTATEs (exact, then by class: the first two characters) and what they mean.
_POSTGRES: dict[str, tuple[type[StorageError], str]] = {
    "40001": (DatabaseBusy, BUSY),  # serialization_failure
    "40P01": (DatabaseBusy, BUSY),  # deadlock_detected
    "55P03": (DatabaseBusy, BUSY),  # lock_not_available
    "57014": (DatabaseBusy, BUSY),  # query_canceled (a statement timeout)
    "25006": (DatabaseReadOnly, READ_ONLY),  # read_only_sql_transaction (also a hot standby)
    "53100": (DatabaseFull, FULL),  # disk_full
    "XX001": (DatabaseDamaged, DAMAGED),  # data_corrupted
    "XX002": (DatabaseDamaged, DAMAGED),  # index_corrupted
    "08": (DatabaseUnavailable, UNAVAILABLE),  # connection exceptions
    "57": (DatabaseUnavailable, UNAVAILABLE),  # operator intervention: shutting down, cannot connect now
    "53": (DatabaseUnavailable, UNAVAILABLE),  # insufficient resources: too many connections, out of memory
    "22": (Unstorable, "a value cannot be stored or searched for"),  # data exceptions
}


def _unstorable(orig: BaseException) -> Unstorable:
    first = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    return Unstorable(f"a value cannot be stored or searched for: {first}")


def classify(exc: BaseException, disconnect: bool = False) -> StorageError | None:
    """The storage error a driver error (raw, or wrapped by SQLAlchemy) means; None if it means none of them.

    ``disconnect``: SQLAlchemy found the connection lost.
    """
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, IntegrityError):  # a unique value taken: the writer says which
        return None
    orig: Any = getattr(exc, "orig", None) or exc
    if isinstance(orig, OverflowError | UnicodeEncodeError):  # an integer beyond 64 bits, a lone surrogate
        return _unstorable(orig)
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        kind, message = _SQLITE.get(name) or _SQLITE.get("_".join(name.split("_")[:2]), (None, ""))
        return kind(message) if kind is not None else None
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        kind, message = _POSTGRES.get(state) or _POSTGRES.get(state[:2], (None, ""))
        if kind is not None:
            return _unstorable(orig) if kind is Unstorable else kind(message)
    if isinstance(exc, DataError):  # refused by the driver before the server saw it (PostgreSQL: NUL in text)
        return _unstorable(orig)
    if disconnect or any(c.__name__ == "OperationalError" and c.__module__.startswith("psycopg")
                         for c in type(orig).__mro__):
        return DatabaseUnavailable(UNAVAILABLE)  # psycopg: connection refused, lost, or the server closing it
    return None


def translate_errors(engine: Engine) -> None:
    """Make ``engine`` raise the storage's errors for the driver errors :func:`classify` knows."""

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool is testing a connection: let it reconnect
            return
        error = classify(context.sqlalchemy_exception or context.original_exception, context.is_disconnect)
        if isinstance(error, DatabaseUnavailable):
            context.is_disconnect = True  # discard the connection instead of lending it out again
        if error is not None:
            raise error
