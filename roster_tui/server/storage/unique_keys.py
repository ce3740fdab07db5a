"""Migration 6: one rule for unique values on both backends.

Before it, SQLite compared unique values with NOCASE (ASCII letters only) and PostgreSQL with ``lower()``, so
``jörg`` and ``JÖRG`` were two users on SQLite and ``straße`` and ``STRASSE`` two on PostgreSQL. Each unique
value now has a key column, :func:`~roster_tui.server.storage.documents.fold` of it, written by the storage
and indexed unique. Values that were already duplicates under the new rule stay: the later ones (by row) get
a key of their own (the key, a character no value can hold, and their id) until their value changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.engine import Connection

from roster_tui.server.storage.documents import KEYS, LEGACY, fold
from roster_tui.server.storage.tables import groups, users

_CHUNK = 5000
#: (table, value column, key column) of every unique value.
_UNIQUE = [*((users, column, key) for column, key in KEYS.items()), (groups, "display_name", "display_name_key")]


def _fill(conn: Connection, table: Any, column: str, key: str) -> None:
    """Write every row's key, a page of rows at a time; then give the rows whose key an earlier row has (by
    ``pk``) a key of their own."""
    page = (select(table.c.pk, table.c[column]).where(table.c.pk > bindparam("after"))
            .order_by(table.c.pk).limit(_CHUNK))
    write = table.update().where(table.c.pk == bindparam("b_pk"))
    after = 0
    while rows := conn.execute(page, {"after": after}).all():
        conn.execute(write, [{"b_pk": pk, key: None if value is None else fold(value)} for pk, value in rows])
        after = rows[-1][0]
    repeated = select(table.c[key]).where(table.c[key].is_not(None)).group_by(table.c[key]) \
        .having(func.count() > 1)
    for (folded,) in conn.execute(repeated).all():
        later = conn.execute(select(table.c.pk, table.c.id).where(table.c[key] == folded)
                             .order_by(table.c.pk).offset(1)).all()
        conn.execute(write, [{"b_pk": pk, key: f"{folded}{LEGACY}{id}"} for pk, id in later])


def add_unique_keys(conn: Connection) -> None:
    postgres = conn.dialect.name == "postgresql"
    for table, column, key in _UNIQUE:
        if key not in {c["name"] for c in inspect(conn).get_columns(table.name)}:
            collation = ' COLLATE "C"' if postgres else ""
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {key} VARCHAR{collation}")
        _fill(conn, table, column, key)
        old = f"ux_{table.name}_{column}" + ("_lower" if postgres else "")
        new = f"ix_{table.name}_{column}" + ("_lower" if postgres else "")
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {old}")
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {new} ON {table.name} "
                             f"({f'lower({column})' if postgres else column})")
        conn.exec_driver_sql(f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{table.name}_{key} ON {table.name} ({key})")
