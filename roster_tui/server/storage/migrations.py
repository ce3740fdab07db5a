"""Versioned schema migrations, applied on start (and by ``roster db upgrade``).

Each migration runs once, in order, inside the transaction that records its version; PostgreSQL holds an
advisory lock meanwhile so several ``roster serve`` processes starting together migrate once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Integer, MetaData, Table, inspect, select
from sqlalchemy.engine import Connection

from roster_tui.server.storage.tables import (
    FAMILY_ORDER,
    POSTGRES_COVERING,
    POSTGRES_PREFIX,
    POSTGRES_TOTALS,
    POSTGRES_TRGM,
    SQLITE_FTS,
    api_tokens,
    audit,
    changes,
    group_members,
    groups,
    metadata,
    people,
    person_keys,
    user_totals,
    users,
)
from roster_tui.server.storage.unique_keys import add_unique_keys

_bookkeeping = MetaData()
schema_version = Table("schema_version", _bookkeeping, Column("version", Integer, nullable=False))
_LOCK_ID = 7_464_391  # any constant shared by all roster processes


def _initial(conn: Connection) -> None:
    metadata.create_all(conn, tables=[users, audit])
    extras = SQLITE_FTS if conn.dialect.name == "sqlite" else POSTGRES_TRGM
    for statement in extras:
        conn.exec_driver_sql(statement)


def _api_tokens(conn: Connection) -> None:
    api_tokens.create(conn, checkfirst=True)


def _postgres_prefix_indexes(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for statement in POSTGRES_PREFIX:
            conn.exec_driver_sql(statement)


def _postgres_totals(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        user_totals.create(conn)
        for statement in [*POSTGRES_TOTALS, *POSTGRES_COVERING,
                          "ALTER TABLE users ALTER COLUMN hire_date TYPE varchar",  # was (32): no rewrite
                          "ANALYZE users"]:  # statistics for the expressions of the new indexes
            conn.exec_driver_sql(statement)


def _groups(conn: Connection) -> None:
    metadata.create_all(conn, tables=[groups, group_members])


def _change_journal(conn: Connection) -> None:
    """A database made before has the audit table without the change's columns (a new one was made whole)."""
    have = {c["name"] for c in inspect(conn).get_columns("audit")}
    for name, kind in (("change_id", "INTEGER"), ("before_doc", "TEXT"), ("version", "INTEGER")):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE audit ADD COLUMN {name} {kind}")
    for index in audit.indexes:
        if index.name == "ix_audit_change":
            index.create(conn, checkfirst=True)
    metadata.create_all(conn, tables=[changes])


def _people(conn: Connection) -> None:
    """People and their keys; a role (and a person) for each API token. A database made before has the token
    table without them: its tokens get ``account-admin``, so every one works as before."""
    have = {c["name"] for c in inspect(conn).get_columns("api_tokens")}
    if "role" not in have:
        conn.exec_driver_sql("ALTER TABLE api_tokens ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'account-admin'")
    if "person_pk" not in have:
        conn.exec_driver_sql("ALTER TABLE api_tokens ADD COLUMN person_pk INTEGER")
    for index in api_tokens.indexes:
        index.create(conn, checkfirst=True)
    metadata.create_all(conn, tables=[people, person_keys])


def _family_order(conn: Connection) -> None:
    """The index of the roster's default order (a database made with migration 1 of this release has it)."""
    for index in FAMILY_ORDER:
        index.create(conn, checkfirst=True)
    conn.exec_driver_sql("ANALYZE ix_users_family_order" if conn.dialect.name == "sqlite" else "ANALYZE users")


#: (version, what it does, how). Append only; never edit a released migration.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "users and audit tables, their indexes, trigram search", _initial),
    (2, "named API tokens, stored hashed", _api_tokens),
    (3, "PostgreSQL: prefix (sw) indexes on lower(column)", _postgres_prefix_indexes),
    (4, "PostgreSQL: the user count kept by triggers; sort and prefix indexes that cover their column; "
        "hire_date of any length", _postgres_totals),
    (5, "groups and their members, indexed both ways (a group's members, a user's groups)", _groups),
    (6, "unique values under one rule on both backends: case-folded keys of userName, email, employeeNumber and "
        "a group's displayName, each unique; the values' own indexes no longer unique", add_unique_keys),
    (7, "the change journal: each import, removal and undo as a change; the audit rows of its writes carry it, "
        "with the user's document before each write", _change_journal),
    (8, "people (roster people) with their SSH keys by fingerprint; an access role and a person for each API "
        "token, account-admin for the tokens made before", _people),
    (9, "the roster's default order (family name, given name, employee number) on one index: its pages read at "
        "any depth without the table", _family_order),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "schema_version"):
        return 0
    return conn.execute(select(schema_version.c.version)).scalar() or 0


def upgrade(conn: Connection) -> list[int]:
    """Apply the pending migrations in ``conn``'s transaction; returns the versions applied."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_ID})")
    _bookkeeping.create_all(conn)
    version = current_version(conn)
    applied = []
    for number, _what, migrate in MIGRATIONS:
        if number > version:
            migrate(conn)
            applied.append(number)
    if applied:
        conn.execute(schema_version.delete())
        conn.execute(schema_version.insert().values(version=applied[-1]))
    return applied
