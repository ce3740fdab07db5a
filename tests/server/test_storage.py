"""Paging and totals in the storage itself, on both backends, while another process writes to the database."""

from __future__ import annotations

import orjson
from sqlalchemy import create_engine, insert, text

from roster_tui.server import service
from roster_tui.server.filters import parse_filter
from roster_tui.server.seed import generate
from roster_tui.server.storage import migrations
from roster_tui.server.storage.sql import SqlStorage, database_url
from roster_tui.server.storage.tables import users
from tests.server.helpers import unique, user_body


def create(storage: SqlStorage, n: int) -> list[str]:
    """``n`` new users, written in one transaction."""
    with storage.write("test") as writer:
        return [service.create_user(writer, user_body(email=f"u.{unique()}@example.com")).id for _ in range(n)]


def delete(storage: SqlStorage, *ids: str) -> None:
    """Remove users, one statement each, in one transaction (no business rules: this is about storage)."""
    with storage.write("test") as writer:
        for id in ids:
            writer.delete(id, None)


def everyone(storage: SqlStorage, descending: bool = False) -> list[str]:
    return [u.id for u in storage.list(None, None, descending, 0, 10_000)[1]]


def test_pages_stay_exact_while_another_process_adds_and_removes_users(database: str) -> None:
    a, b = SqlStorage(database), SqlStorage(database)  # two service processes on one database
    try:
        create(b, 12)
        for descending in (False, True):
            offset = 0
            # between pages, b removes a user before a's position or after it, adds some, or does nothing
            for change in ("remove first", "add 2", "", "", "remove last", "", "add 1"):
                total, page = a.list(None, None, descending, offset, 3)
                now = everyone(b, descending)
                assert total == len(now)
                assert [u.id for u in page] == now[offset:offset + 3], (descending, offset)
                offset += 3
                if change.startswith("remove"):
                    delete(b, now[0 if change == "remove first" else -1])
                elif change:
                    create(b, int(change.split()[1]))
    finally:
        a.close()
        b.close()


def test_totals_stay_exact_over_many_small_writes(database: str) -> None:
    storage = SqlStorage(database)
    try:
        ids = [create(storage, 1)[0] for _ in range(70)]  # PostgreSQL: 70 rows in user_totals, then folded
        assert storage.list(None, None, False, 0, 0) == (70, [])
        delete(storage, *ids[:5])
        create(storage, 3)
        total, page = storage.list(None, None, False, 60, 100)
        assert total == 68 and len(page) == 8
        assert storage.list(parse_filter('userName sw "u."'), None, False, 0, 1)[0] == 68
        if storage.dialect == "postgresql":
            with storage.write_engine.begin() as conn:
                assert conn.execute(text("SELECT count(*) FROM user_totals")).scalar() < 20  # folded
                conn.execute(text("TRUNCATE users"))
            assert storage.list(None, None, False, 0, 10) == (0, [])
            create(storage, 2)
            assert storage.list(None, None, False, 0, 0)[0] == 2
    finally:
        storage.close()


def test_upgrade_from_version_3_counts_the_users_already_there(database: str) -> None:
    engine = create_engine(database_url(database))
    with engine.begin() as conn:  # a database as version 3 left it, with users in it
        migrations.schema_version.metadata.create_all(conn)
        for _number, _what, migrate in migrations.MIGRATIONS[:3]:
            migrate(conn)
        conn.execute(migrations.schema_version.insert().values(version=3))
        conn.execute(insert(users), list(generate(30, seed=5)))
    engine.dispose()
    storage = SqlStorage(database)  # opening applies what is pending
    try:
        with storage.write_engine.connect() as conn:
            assert migrations.current_version(conn) == migrations.LATEST
            if storage.dialect == "postgresql":
                sort, prefix = (conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                                             {"n": f"ix_users_family_name_{kind}"}).scalar_one()
                                for kind in ("lower", "prefix"))
                assert "INCLUDE (family_name)" in sort and "INCLUDE (family_name, pk)" in prefix
        assert storage.list(None, None, False, 0, 0)[0] == 30
        delete(storage, *everyone(storage)[1:3])
        create(storage, 1)
        assert storage.list(None, None, False, 0, 100)[0] == 29 == len(everyone(storage))
        families = {u.id: orjson.loads(u.doc)["name"]["familyName"] for u in storage.list(None, None, False, 0, 100)[1]}
        prefix = next(iter(families.values()))[:2].upper()  # sw and sorting on the rebuilt indexes
        found = storage.list(parse_filter(f'name.familyName sw "{prefix}"'), "name.familyName", False, 0, 100)[1]
        assert {u.id for u in found} == {i for i, f in families.items() if f.upper().startswith(prefix)}
        assert [families[u.id].lower() for u in found] == sorted(families[u.id].lower() for u in found)
    finally:
        storage.close()
