"""Loading many prepared users at once, without audit: for seeding (``roster seed``) and benchmarks only.

SQLite: ``executemany`` with the full-text index rebuilt once at the end instead of row by row.
PostgreSQL: ``COPY``, then ``VACUUM ANALYZE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from roster_tui.server.storage.documents import unique_keys
from roster_tui.server.storage.tables import SQLITE_FTS, users


def bulk_load(engine: Engine, rows: Iterator[dict[str, Any]], batch: int = 5000) -> int:
    """Insert ``rows`` (all ``users`` columns but ``pk``; the unique values' keys computed if missing); returns
    how many. ``ValueError`` if one of them exists already."""
    names = [c.name for c in users.columns if c.name != "pk"]
    full = (row if "user_name_key" in row else {**row, **unique_keys(row)} for row in rows)
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            return _sqlite_load(raw, names, full, batch)
        return _postgres_copy(raw, names, full)
    except engine.dialect.dbapi.IntegrityError as exc:  # type: ignore[union-attr]
        raise ValueError(f"a user in the load already exists ({exc})") from None
    finally:
        raw.close()


def _sqlite_load(raw: Any, names: list[str], rows: Iterator[dict[str, Any]], batch: int) -> int:
    statement = f"INSERT INTO users ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    cursor = raw.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    try:
        cursor.execute("DROP TRIGGER IF EXISTS users_fts_ai")
        count = 0
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(tuple(row[n] for n in names))
            if len(chunk) >= batch:
                cursor.executemany(statement, chunk)
                count += len(chunk)
                chunk = []
        cursor.executemany(statement, chunk)
        count += len(chunk)
        cursor.execute("INSERT INTO users_fts(users_fts) VALUES ('rebuild')")
        cursor.execute(SQLITE_FTS[1])
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    return count


def _postgres_copy(raw: Any, names: list[str], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY users ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])
                count += 1
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    driver = raw.driver_connection  # the psycopg connection: the pool's proxy would not pass autocommit on
    driver.autocommit = True  # VACUUM cannot run in a transaction
    try:  # planner statistics and the visibility map that index-only scans need
        driver.execute("VACUUM ANALYZE users")
    finally:
        driver.autocommit = False
    return count
