"""The roster's default order (family name, given name, employee number) is read off one index at any depth: a
database of version 8 gets it from migration 9, on both backends."""

from __future__ import annotations

import orjson
from sqlalchemy import create_engine, insert, text

from roster_tui.server.seed import generate
from roster_tui.server.storage import migrations
from roster_tui.server.storage.sql import SqlStorage, database_url
from roster_tui.server.storage.sql_sort import sort_path
from roster_tui.server.storage.tables import FAMILY_ORDER, users

FAMILY = sort_path("name.familyName")


def test_an_upgrade_from_8_reads_the_default_order_off_one_index(database: str) -> None:
    engine = create_engine(database_url(database))
    with engine.begin() as conn:  # a database as version 8 left it: no index of the default order
        migrations.schema_version.metadata.create_all(conn)
        for _number, _what, migrate in migrations.MIGRATIONS[:8]:
            migrate(conn)
        for index in FAMILY_ORDER:  # a database made by this release has it from the start
            index.drop(conn, checkfirst=True)
        conn.execute(migrations.schema_version.insert().values(version=8))
        rows = list(generate(60, seed=9))
        for n, row in enumerate(rows[:12]):  # users sharing a family name: ordered by given name, then number
            doc = orjson.loads(row["doc"])
            doc["name"].update(familyName="Shared", givenName="Ann" if n % 2 else "ann")
            row.update(doc=orjson.dumps(doc).decode(), family_name="Shared", given_name=doc["name"]["givenName"])
        conn.execute(insert(users), rows)
    engine.dispose()
    storage = SqlStorage(database)  # opening applies what is pending
    try:
        with storage.read_engine.connect() as conn:
            assert migrations.current_version(conn) == migrations.LATEST >= 9
            if storage.dialect == "sqlite":
                page = storage._page_query(None, FAMILY, False, 20, 10)
                sql = str(page.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
                plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert "COVERING INDEX ix_users_family_order" in plan, plan
            else:
                found = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                                     {"n": "ix_users_family_order_lower"}).scalar_one()
                assert "lower((family_name)" in found and "lower((given_name)" in found, found
        total, page_users = storage.list(None, FAMILY, False, 0, 100)
        assert total == 60
        keys = []
        for user in page_users:
            doc = orjson.loads(user.doc)
            number = doc.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {}).get("employeeNumber")
            keys.append((doc["name"]["familyName"].lower(), doc["name"]["givenName"].lower(), (number or "").lower()))
        assert keys == sorted(keys)
        deep = storage.list(None, FAMILY, False, 50, 100)[1]  # a page further down: the same order goes on
        assert [u.id for u in deep] == [u.id for u in page_users[50:]]
    finally:
        storage.close()
