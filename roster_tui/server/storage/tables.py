"""The roster database: one row per user (indexed roster columns + the full SCIM document) and an audit log.

Roster columns are extracted from the SCIM document on every write; filters and sorts run on them in SQL.
Case-insensitive columns use SQLite's NOCASE collation (PostgreSQL compares ``lower()`` instead).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)

metadata = MetaData()


def ci_string() -> String:
    """A string column compared case-insensitively on SQLite."""
    return String().with_variant(String(collation="NOCASE"), "sqlite")


def key_string() -> String:
    """A key column (documents.fold of a unique value), compared byte by byte on both backends (PostgreSQL:
    the "C" collation, so that a range of keys is the same whatever the database's locale)."""
    return String().with_variant(String(collation="C"), "postgresql")


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
    Column("hire_date", String),  # a client's string, any length (PostgreSQL enforces lengths: migration 4)
    Column("manager_id", ci_string()),
    Column("active", Boolean, nullable=False, default=True),
    Column("roles", ci_string()),  # "|Role A|Role B|" or NULL: not an admin
    Column("doc", Text, nullable=False),  # the SCIM resource without id and meta, as JSON
    # the case-folded keys of the unique values (documents.fold), written by the storage (migration 6)
    Column("user_name_key", key_string()),
    Column("email_key", key_string()),
    Column("employee_number_key", key_string()),
    sqlite_autoincrement=True,
)

# Uniqueness is the database's job, under one rule on both backends: a unique index on each value's key, which
# the storage computes (documents.fold). The columns themselves are indexed for sorting and prefix searches
# (SQLite: NOCASE; PostgreSQL: lower(column)).
UNIQUE_COLUMNS = ("user_name", "email", "employee_number")
CI_SORT_COLUMNS = ("given_name", "family_name", "display_name", "title", "department", "division", "location",
                   "manager_id")
PLAIN_SORT_COLUMNS = ("hire_date", "created", "last_modified", "external_id")
for _col in UNIQUE_COLUMNS:
    Index(f"ux_users_{_col}_key", users.c[f"{_col}_key"], unique=True)
    Index(f"ix_users_{_col}", users.c[_col]).ddl_if(dialect="sqlite")
    Index(f"ix_users_{_col}_lower", func.lower(users.c[_col])).ddl_if(dialect="postgresql")
# Every filter and sort the console uses (PostgreSQL: in the lower() form its filters compare, pk last
# so a sorted page is read straight off the index; migration 4 makes them covering, see POSTGRES_COVERING).
for _col in CI_SORT_COLUMNS + PLAIN_SORT_COLUMNS:
    Index(f"ix_users_{_col}", users.c[_col]).ddl_if(dialect="sqlite")
for _col in CI_SORT_COLUMNS:
    Index(f"ix_users_{_col}_lower", func.lower(users.c[_col]), users.c.pk).ddl_if(dialect="postgresql")
for _col in PLAIN_SORT_COLUMNS:
    Index(f"ix_users_{_col}_pk", users.c[_col], users.c.pk).ddl_if(dialect="postgresql")
Index("ix_users_pk", users.c.pk).ddl_if(dialect="sqlite")  # thin: deep OFFSETs skip rows, not documents
Index("ix_users_active_family", users.c.active, users.c.family_name)
# The roster's default order (sql_sort.TIES: family name, given name, employee number), pk last: its pages are
# read off this one index at any depth (a family-name index alone made SQLite read each row's names from the
# table: two seconds for startIndex 20,000 of a million users). Migration 9 adds it to existing databases.
FAMILY_ORDER = (
    Index("ix_users_family_order", users.c.family_name, users.c.given_name, users.c.employee_number,
          users.c.pk).ddl_if(dialect="sqlite"),
    Index("ix_users_family_order_lower", func.lower(users.c.family_name), func.lower(users.c.given_name),
          func.lower(users.c.employee_number), users.c.pk).ddl_if(dialect="postgresql"),
)
Index("ix_users_roles", users.c.roles, sqlite_where=text("roles IS NOT NULL"),
      postgresql_where=text("roles IS NOT NULL"))

audit = Table(
    "audit",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("token_name", String, nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # create | replace | patch | delete | manager-deleted, and
    # for groups (user_id: the group's id) group-create | group-replace | group-patch | group-delete | member-deleted
    Column("changes", Text, nullable=False),  # JSON {"field": [before, after]}
    # a write made as part of a recorded change (migration 7): the change, the user's whole document before the
    # write (None for a create) and its version after it (before it, for a delete)
    Column("change_id", Integer, nullable=True),
    Column("before_doc", Text, nullable=True),
    Column("version", Integer, nullable=True),
)
Index("ix_audit_user_id", audit.c.user_id, audit.c.pk)
Index("ix_audit_change", audit.c.change_id, audit.c.pk, sqlite_where=text("change_id IS NOT NULL"),
      postgresql_where=text("change_id IS NOT NULL"))

#: Each import, removal or undo applied as one change (the change journal): who, when, from what, the plan's
#: counts and the plan itself (to resume an interrupted apply), its status and, once closed, its outcome.
changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # import | removal | undo
    Column("status", String(16), nullable=False),  # open | done | stopped
    Column("opened", String(32), nullable=False),
    Column("closed", String(32), nullable=True),
    Column("token_name", String, nullable=False),
    Column("source", Text, nullable=False),  # JSON: {"file", "sha256", "rows"} or {"keys"}, {"change"} for undo
    Column("counts", Text, nullable=False),  # JSON: the plan's counts per kind
    Column("outcome", Text, nullable=True),  # JSON: the apply's counts once closed
    Column("undoes", Integer, nullable=True),  # the change an undo takes back
    Column("plan", Text, nullable=True),  # JSON: the saved plan applied
)
Index("ix_changes_status", changes.c.status, changes.c.id)

#: Groups (RFC 7643 §4.2): their own columns, no document; members are rows of ``group_members``.
groups = Table(
    "groups",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created", String(32), nullable=False),
    Column("last_modified", String(32), nullable=False),
    Column("display_name", ci_string(), nullable=False),
    Column("external_id", String),
    Column("display_name_key", key_string()),  # documents.fold(display_name): unique (migration 6)
    sqlite_autoincrement=True,
)
Index("ux_groups_display_name_key", groups.c.display_name_key, unique=True)
Index("ix_groups_display_name", groups.c.display_name).ddl_if(dialect="sqlite")
Index("ix_groups_display_name_lower", func.lower(groups.c.display_name)).ddl_if(dialect="postgresql")
Index("ix_groups_external_id", groups.c.external_id)

#: Who is in which group, by the rows' keys. The primary key answers a group's members; ``ix_group_members_user``
#: a user's groups (a page of users at a time) and ``groups.value`` filters. No foreign keys, as SQLite would not
#: enforce them: the storage deletes a user's or group's memberships with it, in the same transaction.
group_members = Table(
    "group_members",
    metadata,
    Column("group_pk", Integer, nullable=False),
    Column("user_pk", Integer, nullable=False),
    PrimaryKeyConstraint("group_pk", "user_pk"),
)
Index("ix_group_members_user", group_members.c.user_pk, group_members.c.group_pk)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),  # hex SHA-256: the token itself is never kept
    Column("created", String(32), nullable=False),
    Column("revoked", String(32)),
    # migration 8: the token's access role (core/access.py; tokens made before have account-admin) and the
    # person it belongs to (then the person's role and name count, not these)
    Column("role", String(16), nullable=False, server_default="account-admin"),
    Column("person_pk", Integer, nullable=True),
)
Index("ix_api_tokens_person", api_tokens.c.person_pk, sqlite_where=text("person_pk IS NOT NULL"),
      postgresql_where=text("person_pk IS NOT NULL"))

#: The people who use the roster (``roster people``), each with an access role; a removed person's row stays
#: (names stay taken, so the audit trail names one person) and their keys and tokens go.
people = Table(
    "people",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(48), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("created", String(32), nullable=False),
    Column("removed", String(32), nullable=True),
)

#: Their SSH public keys: an SSH server finds the person by the fingerprint of the key a client offers.
person_keys = Table(
    "person_keys",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("person_pk", Integer, nullable=False, index=True),
    Column("key_type", String(32), nullable=False),
    Column("public_key", Text, nullable=False),  # "TYPE BASE64", as OpenSSH writes it
    Column("fingerprint", String(64), nullable=False, unique=True),  # "SHA256:..." (ssh-keygen -l)
    Column("comment", String, nullable=False, server_default=""),
    Column("added", String(32), nullable=False),
)

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

#: PostgreSQL: ``sw`` compiles to ``lower(col) LIKE 'abc%'``, a range on these indexes.
POSTGRES_PREFIX = [f"CREATE INDEX IF NOT EXISTS ix_users_{c}_prefix ON users (lower({c}) text_pattern_ops)"
                   for c in (*UNIQUE_COLUMNS, *CI_SORT_COLUMNS)]

#: PostgreSQL: trigram GIN indexes answer the ILIKE that `co`/`ew` compile to.
POSTGRES_TRGM = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS ix_users_{c}_trgm ON users USING gin ({c} gin_trgm_ops)" for c in FTS_COLUMNS]

#: PostgreSQL reads an expression index without the table only when the columns in the expression are stored
#: in it too: these replace the sort and prefix (``sw``) indexes above by ones that also hold the column, so a
#: deep sorted page and a prefix search are counted and paged on the index alone (the sort index keeps its size).
POSTGRES_COVERING = [
    statement for c in (*UNIQUE_COLUMNS, *CI_SORT_COLUMNS) for statement in (
        f"DROP INDEX IF EXISTS ix_users_{c}_prefix",
        f"CREATE INDEX ix_users_{c}_prefix ON users (lower({c}) text_pattern_ops) INCLUDE ({c}, pk)")
] + [
    statement for c in CI_SORT_COLUMNS for statement in (
        f"DROP INDEX IF EXISTS ix_users_{c}_lower",
        f"CREATE INDEX ix_users_{c}_lower ON users (lower({c}), pk) INCLUDE ({c})")
]

#: PostgreSQL: the number of users, so an unfiltered page needs no ``count(*)``. Statement triggers append one
#: row per change (``n`` users more or fewer) and never update one, so concurrent writers do not wait on each
#: other; the total is ``sum(n)``, and readers fold the rows into one now and then (:data:`FOLD_TOTALS`).
user_totals = Table(
    "user_totals",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("n", BigInteger, nullable=False),
)
POSTGRES_TOTALS = [
    """CREATE FUNCTION roster_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO user_totals (n) SELECT count(*) FROM new_rows HAVING count(*) > 0;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO user_totals (n) SELECT -count(*) FROM old_rows HAVING count(*) > 0;
        ELSE  -- TRUNCATE
            TRUNCATE user_totals;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER users_total_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION roster_count_users()""",
    """CREATE TRIGGER users_total_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION roster_count_users()""",
    """CREATE TRIGGER users_total_truncate AFTER TRUNCATE ON users
        FOR EACH STATEMENT EXECUTE FUNCTION roster_count_users()""",
    # after the triggers: they lock out writers until the migration commits, so no user goes uncounted
    "INSERT INTO user_totals (n) SELECT count(*) FROM users",
]
#: Replace the rows of ``user_totals`` by one row with their sum, in one statement. Safe alongside writers
#: (their rows are not visible yet, so not folded) and other folds (a row deleted by one is skipped by the other).
FOLD_TOTALS = ("WITH folded AS (DELETE FROM user_totals RETURNING n) "
               "INSERT INTO user_totals (n) SELECT coalesce(sum(n), 0) FROM folded")
