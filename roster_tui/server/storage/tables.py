"""The roster database: one row per user (indexed roster columns + the full SCIM document) and an audit log.

Roster columns are extracted from the SCIM document on every write; filters and sorts run on them in SQL.
Case-insensitive columns use SQLite's NOCASE collation (PostgreSQL compares ``lower()`` instead).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, text

metadata = MetaData()


def ci_string() -> String:
    """A string column compared case-insensitively on SQLite."""
    return String().with_variant(String(collation="NOCASE"), "sqlite")


users = Table(
    "users",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created", String(32), nullable=False),
    Column("last_modified", String(32), nullable=False),
    Column("user_name", ci_string(), nullable=False),
    Column("email", ci_string()),
    Column("employee_number", ci_string()),
    Column("external_id", String),
    Column("given_name", ci_string()),
    Column("family_name", ci_string()),
    Column("display_name", ci_string()),
    Column("title", ci_string()),
    Column("department", ci_string()),
    Column("division", ci_string()),
    Column("location", ci_string()),
    Column("hire_date", String(32)),
    Column("manager_id", ci_string()),
    Column("active", Boolean, nullable=False, default=True),
    Column("roles", ci_string()),  # "|Role A|Role B|" or NULL: not an admin
    Column("doc", Text, nullable=False),  # the SCIM resource without id and meta, as JSON
    sqlite_autoincrement=True,
)

# Uniqueness is the database's job (case-insensitive on both backends).
Index("ux_users_user_name", users.c.user_name, unique=True)
Index("ux_users_email", users.c.email, unique=True)
Index("ux_users_employee_number", users.c.employee_number, unique=True)
# Every filter and sort the console uses.
for _col in ("given_name", "family_name", "display_name", "title", "department", "division", "location",
             "hire_date", "manager_id", "created", "last_modified", "external_id"):
    Index(f"ix_users_{_col}", users.c[_col])
Index("ix_users_pk", users.c.pk)  # thin: lets deep OFFSETs skip rows without reading documents
Index("ix_users_active_family", users.c.active, users.c.family_name)
Index("ix_users_roles", users.c.roles, sqlite_where=text("roles IS NOT NULL"),
      postgresql_where=text("roles IS NOT NULL"))

audit = Table(
    "audit",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("token_name", String, nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # create | replace | patch | delete
    Column("changes", Text, nullable=False),  # JSON {"field": [before, after]}
)
Index("ix_audit_user_id", audit.c.user_id, audit.c.pk)

#: SQLite full-text index (trigram) that makes `co`/`ew` searches on names, emails and IDs fast.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS users_fts USING fts5(
        user_name, email, employee_number, given_name, family_name, display_name,
        content='users', content_rowid='pk', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS users_fts_ai AFTER INSERT ON users BEGIN
        INSERT INTO users_fts(rowid, user_name, email, employee_number, given_name, family_name, display_name)
        VALUES (new.pk, new.user_name, new.email, new.employee_number, new.given_name, new.family_name,
                new.display_name);
    END""",
    """CREATE TRIGGER IF NOT EXISTS users_fts_ad AFTER DELETE ON users BEGIN
        INSERT INTO users_fts(users_fts, rowid, user_name, email, employee_number, given_name, family_name,
                              display_name)
        VALUES ('delete', old.pk, old.user_name, old.email, old.employee_number, old.given_name,
                old.family_name, old.display_name);
    END""",
    """CREATE TRIGGER IF NOT EXISTS users_fts_au AFTER UPDATE OF user_name, email, employee_number, given_name,
        family_name, display_name ON users BEGIN
        INSERT INTO users_fts(users_fts, rowid, user_name, email, employee_number, given_name, family_name,
                              display_name)
        VALUES ('delete', old.pk, old.user_name, old.email, old.employee_number, old.given_name,
                old.family_name, old.display_name);
        INSERT INTO users_fts(rowid, user_name, email, employee_number, given_name, family_name, display_name)
        VALUES (new.pk, new.user_name, new.email, new.employee_number, new.given_name, new.family_name,
                new.display_name);
    END""",
]
#: Columns covered by the trigram index.
FTS_COLUMNS = ("user_name", "email", "employee_number", "given_name", "family_name", "display_name")
