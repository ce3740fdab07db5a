"""SQL storage for the roster (SQLite by default; the same code serves PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, Select, String, bindparam, create_engine, event, exists, func, insert, select, true
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError

from roster_tui.core.models import ACCOUNT_ADMIN
from roster_tui.core.removal import describe_counts, status_counts
from roster_tui.core.scim import ROSTER_USER
from roster_tui.server.storage import migrations, sql_filter, sql_sort, sqlite_file
from roster_tui.server.storage.access_store import AccessStore
from roster_tui.server.storage.base import Mutation, StoredUser, Versions, is_stale, now, versions_text
from roster_tui.server.storage.bulk_load import bulk_load
from roster_tui.server.storage.change_journal import ChangeJournal
from roster_tui.server.storage.documents import can_hold, extract_columns, unique_keys, without_manager
from roster_tui.server.storage.errors import NotUnique, UserNotFound, VersionMismatch
from roster_tui.server.storage.faults import translate_errors
from roster_tui.server.storage.group_sql import GroupReads, GroupWrites, groups_of
from roster_tui.server.storage.tables import FOLD_TOTALS, group_members, user_totals, users
from roster_tui.server.storage.transaction import Transaction, dumps
from roster_tui.server.storage.value_counts import ValueReads

_RECORD = (users.c.id, users.c.version, users.c.created, users.c.last_modified, users.c.doc)
_INSERT_USER = insert(users)
_CURRENT = select(users.c.pk, *_RECORD).where(users.c.id == bindparam("id"))
_CURRENT_LOCKED = _CURRENT.with_for_update()
#: As :data:`_CURRENT`, and whether the user is a member of any group (a delete takes them out of those).
#: SQLite, whose one writer means no report can be added meanwhile: also whether anyone reports to them
#: (PostgreSQL looks for the reports under their locks, :func:`reports_query`).
_IN_GROUPS = exists().where(group_members.c.user_pk == users.c.pk).correlate(users)
_REPORT = users.alias("report")
_HAS_REPORTS = exists().where(_REPORT.c.manager_id == users.c.id).correlate(users)
_DOOMED = select(users.c.pk, *_RECORD, _IN_GROUPS, _HAS_REPORTS).where(users.c.id == bindparam("id"))
_DOOMED_LOCKED = select(users.c.pk, *_RECORD, _IN_GROUPS, true()).where(
    users.c.id == bindparam("id")).with_for_update(of=users)
_STATUS = select(users.c.active, users.c.roles).where(users.c.id == bindparam("id"))
_DELETE_USER = users.delete().where(users.c.pk == bindparam("pk"))
_UPDATE_USER = users.update().where(users.c.pk == bindparam("b_pk"), users.c.version == bindparam("b_version"))
#: PostgreSQL: the number of users, and a stamp (rows, largest id) of ``user_totals`` that differs after any commit
#: that added or removed users: such a commit adds a row, and a fold, which removes rows, adds one with an id
#: larger than all before it. Equal stamps therefore mean the same users, so a cached page boundary still holds.
_TOTALS = select(func.coalesce(func.sum(user_totals.c.n), 0), func.count(),
                 func.coalesce(func.max(user_totals.c.id), 0))
_KEYSET = (select(*_RECORD, users.c.pk).where(users.c.pk > bindparam("after")).order_by(users.c.pk)
           .limit(bindparam("limit")))
_KEYSET_DESC = (select(*_RECORD, users.c.pk).where(users.c.pk < bindparam("after")).order_by(users.c.pk.desc())
                .limit(bindparam("limit")))
_FOLD_LOCK_ID = 7_464_392
#: PostgreSQL: held (to the end of the transaction) by every write to an active Account Admin, before the row's
#: own lock, so that two writers removing admins wait for each other in one order, never in a cycle.
_ADMINS_LOCK_ID = 7_464_393
#: The audit action on each report of a deleted manager, whose manager the delete cleared.
MANAGER_DELETED = "manager-deleted"
_UNIQUE = {"user_name": "userName", "email": "emails.value", "employee_number": "employeeNumber"}


def _record(row: Any, groups: dict[int, tuple[tuple[str, str], ...]]) -> StoredUser:
    """The user of a row holding its record and ``pk``, with its groups from ``groups`` (by pk)."""
    return StoredUser._make((*row[:5], groups.get(row[5], ())))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after.keys() | before.keys()
            if before.get(k) != after.get(k)}


def _audited(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields the audit trail compares: the roster columns plus the assignments' statuses."""
    statuses = [a.get("status") for a in (doc.get(ROSTER_USER) or {}).get("trainingAssignments") or []]
    return {**extract_columns(doc), "trainingAssignments": describe_counts(status_counts(statuses))}


def _not_unique(exc: IntegrityError) -> NotUnique:
    """Which unique attribute the refused statement would have repeated (from the constraint's name, never
    from the values the driver may quote)."""
    orig: Any = exc.orig
    diag = getattr(orig, "diag", None)
    text = getattr(diag, "constraint_name", None) or str(orig).split("\n")[0]
    return NotUnique(next((attribute for column, attribute in _UNIQUE.items() if column in text), None))


def _is_active_admin(active: Any, roles: Any) -> bool:
    return bool(active) and f"|{ACCOUNT_ADMIN}|" in (roles or "")


def database_url(db: str) -> str:
    """Accept a file path or a database URL; ``postgresql://`` uses psycopg 3."""
    if "://" not in db:
        return f"sqlite:///{db}"
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    return db


#: The reports of a manager (``pk`` and record), found on the manager_id index as ``manager.value eq`` finds them
#: (PostgreSQL: locked); built once per dialect, the manager a parameter (a delete asks it for every user).
_REPORTS = {"sqlite": select(users.c.pk, *_RECORD).where(users.c.manager_id == bindparam("manager")),
            "postgresql": select(users.c.pk, *_RECORD).where(
                func.lower(users.c.manager_id) == func.lower(bindparam("manager", type_=String()))).with_for_update()}


def reports_query(dialect: str) -> Select[Any]:
    """The reports of the manager given as parameter ``manager`` (:data:`_REPORTS`)."""
    return _REPORTS[dialect]


class SqlWriter(Transaction, GroupWrites):
    """Writes in one transaction; every change goes to the audit table in that same transaction."""

    def _lock_admins(self) -> None:
        """PostgreSQL: wait for any other transaction writing an active Account Admin (re-entrant)."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(select(func.pg_advisory_xact_lock(_ADMINS_LOCK_ID)))

    def active_account_admins(self, excluding: str) -> int:
        """Active users holding the Account Admin role, other than ``excluding``.

        PostgreSQL: counted under the admins' lock, by a statement that sees every removal committed before
        (two admins removed at once: the second waits for the first and sees it); no row is locked here.
        """
        self._lock_admins()
        query = select(func.count()).select_from(users).where(
            users.c.active.is_(True), users.c.roles.like(f"%|{ACCOUNT_ADMIN}|%"), users.c.id != excluding)
        return int(self.conn.execute(query).scalar_one())

    def user_exists(self, id: str) -> bool:
        """Whether the user exists; PostgreSQL keeps it so (a row lock) until commit, so that a manager being
        deleted meanwhile either waits for this write or is seen gone: no report keeps a deleted manager. Asked once
        per transaction (a manager of many reports): a rollback to a savepoint releases the locks, and forgets."""
        if id not in self._seen and can_hold(id):
            query = select(users.c.pk).where(users.c.id == id)
            if self.conn.dialect.name == "postgresql":
                query = query.with_for_update(read=True)
            if self.conn.execute(query).first() is not None:
                self._seen.add(id)
        return id in self._seen

    def create(self, doc: dict[str, Any]) -> StoredUser:
        stamp = now()
        columns = extract_columns(doc)
        record = StoredUser(str(uuid.uuid4()), 1, stamp, stamp, dumps(doc))
        try:  # a failed statement leaves the transaction usable; /Bulk wraps each operation in a savepoint
            self.conn.execute(_INSERT_USER, {"id": record.id, "version": 1, "created": stamp,
                                             "last_modified": stamp, "doc": record.doc, **columns,
                                             **unique_keys(columns)})
        except IntegrityError as exc:
            raise _not_unique(exc) from None
        self._audit(record.id, "create", _diff({}, {k: v for k, v in columns.items() if v is not None}), stamp,
                    version=1)
        return record

    def _current(self, id: str, doomed: bool = False) -> Any:
        """The user's row (``pk`` and record; PostgreSQL: locked), and when ``doomed`` (to be deleted) whether
        they are in any group and may have reports."""
        if not can_hold(id):
            raise UserNotFound(id)
        query = _DOOMED if doomed else _CURRENT  # statements built once: building one costs more than running it
        if self.conn.dialect.name == "postgresql":
            status = self.conn.execute(_STATUS, {"id": id}).first()
            if status is not None and _is_active_admin(*status):  # the admins' lock first, then the row's
                self._lock_admins()
            query = _DOOMED_LOCKED if doomed else _CURRENT_LOCKED
        row = self.conn.execute(query, {"id": id}).first()
        if row is None:
            raise UserNotFound(id)
        return row

    def update(self, id: str, mutate: Mutation, expected_version: Versions, action: str) -> StoredUser:
        pk, _id, version, created, _modified, doc_text = self._current(id)
        if is_stale(expected_version, version):
            raise VersionMismatch(id, expected_version, version, f"User {id} was changed since version "
                                  f"{versions_text(expected_version)} (now {version}); reload it and try again")
        old = orjson.loads(doc_text)
        new = mutate(old)
        record = StoredUser(id, version, created, _modified, doc_text) if new == old \
            else self._write(pk, id, version, created, old, new, action, now(), doc_text)
        return record._replace(groups=groups_of(self.conn, [pk]).get(pk, ())) if self.with_groups else record

    def _write(self, pk: int, id: str, version: int, created: str, old: dict[str, Any], new: dict[str, Any],
               action: str, stamp: str, old_text: str) -> StoredUser:
        """Store ``new`` over version ``version`` of a user (``old``, stored as ``old_text``), with its audit
        row."""
        before, after = _audited(old), _audited(new)
        record = StoredUser(id, version + 1, created, stamp, dumps(new))
        old_columns, columns = extract_columns(old), extract_columns(new)
        try:  # a unique value's key is written when the value changes (a duplicate from before keeps its own)
            result = self.conn.execute(_UPDATE_USER, {"b_pk": pk, "b_version": version, "version": version + 1,
                                                      "last_modified": stamp, "doc": record.doc, **columns,
                                                      **unique_keys(columns, changed_from=old_columns)})
        except IntegrityError as exc:
            raise _not_unique(exc) from None
        if result.rowcount != 1:  # another process won the race
            raise VersionMismatch(id, version, None, f"User {id} was changed concurrently; reload it and try again")
        self._audit(id, action, _diff(before, after), stamp, old_text, version + 1)
        return record

    def delete(self, id: str, expected_version: Versions,
               check: Callable[[dict[str, Any]], None] | None = None) -> None:
        pk, _id, version, _c, _m, doc_text, in_groups, has_reports = self._current(id, doomed=True)
        if is_stale(expected_version, version):
            raise VersionMismatch(id, expected_version, version,
                                  f"User {id} was changed since version {versions_text(expected_version)}")
        doc = orjson.loads(doc_text)
        if check is not None:
            check(doc)
        stamp = now()
        if in_groups:
            self.leave_groups(pk, id, stamp)
        self.conn.execute(_DELETE_USER, {"pk": pk})
        self._seen.discard(id)
        columns = extract_columns(doc)
        self._audit(id, "delete", _diff({k: v for k, v in columns.items() if v is not None}, {}), stamp,
                    doc_text, version)
        if has_reports:
            self._clear_manager(id, stamp)

    def _clear_manager(self, manager: str, stamp: str) -> None:
        """Drop the deleted ``manager`` from each of their reports."""
        found = self.conn.execute(reports_query(self.conn.dialect.name), {"manager": manager}).all()
        for pk, id, version, created, _modified, doc_text in found:
            old = orjson.loads(doc_text)
            self._write(pk, id, version, created, old, without_manager(old), MANAGER_DELETED, stamp, doc_text)


class SqlStorage(GroupReads, ValueReads, ChangeJournal, AccessStore):
    """Users, groups and their audit trail in one SQL database; the tokens and people who use it."""

    def __init__(self, url: str) -> None:
        """Open the database (a SQLite file is created if missing, and refused if damaged: ``DatabaseDamaged``)
        and bring its schema up to date."""
        self.url = make_url(database_url(url))
        self.dialect = self.url.get_backend_name()
        file = self.url.database if self.dialect == "sqlite" and self.url.database not in (None, "", ":memory:") \
            else None
        if file is not None:
            sqlite_file.prepare(Path(file).expanduser())
        if self.dialect == "sqlite":
            self.read_engine = self._sqlite_engine(immediate=False)
            self.write_engine = self._sqlite_engine(immediate=True)
        else:
            self.write_engine = create_engine(self.url, pool_pre_ping=True)
            translate_errors(self.write_engine)
            # reads see one snapshot: a page and its total agree
            self.read_engine = self.write_engine.execution_options(isolation_level="REPEATABLE READ")
        #: (descending, offset) -> (totals stamp, pk of the user just before that offset in pk order)
        self._after: dict[tuple[bool, int], tuple[tuple[int, int], int]] = {}
        try:
            if file is not None:
                sqlite_file.check(self.read_engine, Path(file).expanduser())
            with self.write_engine.begin() as conn:
                migrations.upgrade(conn)
        except BaseException:
            self.close()
            raise

    def _sqlite_engine(self, *, immediate: bool) -> Engine:
        engine = create_engine(self.url, connect_args={"check_same_thread": False, "timeout": 5})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000",
                           "cache_size=-16384", "temp_store=MEMORY", "mmap_size=0"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        translate_errors(engine)
        return engine

    def get(self, id: str) -> StoredUser | None:
        if not can_hold(id):
            return None
        with self.read_engine.begin() as conn:
            row = conn.execute(select(*_RECORD, users.c.pk).where(users.c.id == id)).first()
            found = groups_of(conn, [row[5]]) if row else {}
        return _record(row, found) if row else None

    def list(self, filter: Any, sort_by: Any, descending: bool, offset: int, limit: int,
             ) -> tuple[int, list[StoredUser]]:
        """Count the matches and fetch one page, both in one snapshot.

        The page is chosen on indexes alone (a deferred join), so a deep ``startIndex`` skips index entries
        rather than whole documents. PostgreSQL counts all users from ``user_totals``, and a crawl in ``pk``
        order goes on from the previous page's last key when no user was added or removed since.
        """
        where = sql_filter.compile_filter(filter, self.dialect) if filter is not None else None
        stamp: tuple[int, int] | None = None
        records: Sequence[Any] = []
        with self.read_engine.begin() as conn:
            if where is None and self.dialect == "postgresql":
                total, changes, top = conn.execute(_TOTALS).one()
                stamp = (changes, top)
            else:
                count = select(func.count()).select_from(users)
                total = conn.execute(count if where is None else count.where(where)).scalar_one()
            if limit > 0 and offset < total:
                after = self._after.get((descending, offset)) if stamp and sort_by is None else None
                if after is not None and after[0] == stamp:
                    keyset = _KEYSET_DESC if descending else _KEYSET
                    records = conn.execute(keyset, {"after": after[1], "limit": limit}).all()
                else:
                    records = conn.execute(self._page_query(where, sort_by, descending, offset, limit)).all()
            found = groups_of(conn, [r[5] for r in records]) if records else {}
        if stamp is not None:
            if sort_by is None and records:
                if len(self._after) >= 256:
                    self._after.clear()
                self._after[(descending, offset + len(records))] = (stamp, records[-1][5])
            if stamp[0] > 64:
                self._fold_totals()
        return int(total), [_record(r, found) for r in records]

    def _page_query(self, where: Any, sort_by: Any, descending: bool, offset: int, limit: int) -> Any:
        """The record and ``pk`` of each user on the page: keys off an index, then a join for the rows."""
        keys = select(users.c.pk)
        order = [users.c.pk.desc() if descending else users.c.pk.asc()]
        paths = [sort_by, *sql_sort.TIES.get(sort_by, ())] if sort_by is not None else []
        columns = [sql_sort.order_by(path, self.dialect) for path in paths]
        keys = keys.add_columns(*(column.label(f"sort_key{n}") for n, column in enumerate(columns)))
        order[:0] = [column.desc() if descending else column.asc() for column in columns]
        if where is not None:
            keys = keys.where(where)
        page = keys.order_by(*order).limit(limit).offset(offset).subquery()
        outer = [page.c[f"sort_key{n}"] for n in range(len(columns))] + [page.c.pk]
        outer = [column.desc() if descending else column.asc() for column in outer]
        return select(*_RECORD, users.c.pk).select_from(page.join(users, users.c.pk == page.c.pk)).order_by(*outer)

    def _fold_totals(self) -> None:
        """Housekeeping for ``user_totals``, by one process at a time (others go on without waiting)."""
        with self.write_engine.begin() as conn:
            if conn.execute(select(func.pg_try_advisory_xact_lock(_FOLD_LOCK_ID))).scalar():
                conn.exec_driver_sql(FOLD_TOTALS)

    @contextmanager
    def write(self, actor: str) -> Iterator[SqlWriter]:
        with self.write_engine.begin() as conn:
            writer = SqlWriter(conn, actor)
            yield writer
            writer.write_audit()

    def bulk_load(self, rows: Iterator[dict[str, Any]], batch: int = 5000) -> int:
        """Insert prepared rows (all ``users`` columns but ``pk``; the keys are computed if missing) fast, without
        audit: for seeding only (:mod:`.bulk_load`)."""
        return bulk_load(self.write_engine, rows, batch)

    def close(self) -> None:
        self.read_engine.dispose()
        self.write_engine.dispose()
