"""SQL storage for groups: their rows, their members, and the groups of users read with them.

A group is a row of ``groups``; each membership a row of ``group_members`` (group pk, user pk). Writes are audited
in the users' audit table, under the group's id. PostgreSQL: a write locks the users it adds (share) before the
group (update), and a user's deletion locks the user before its groups, so the two never wait on each other
in a cycle.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from roster_tui.server.storage.base import (
    GroupDoc,
    GroupMutation,
    Member,
    StoredGroup,
    Versions,
    is_stale,
    now,
    versions_text,
)
from roster_tui.server.storage.documents import can_hold, fold
from roster_tui.server.storage.errors import GroupNotFound, NotUnique, UnknownMembers, VersionMismatch
from roster_tui.server.storage.group_filter import compile_group_filter
from roster_tui.server.storage.sql_sort import group_order_by
from roster_tui.server.storage.tables import group_members, groups, users

#: Audit actions, on the group's id.
GROUP_CREATE, GROUP_DELETE, MEMBER_DELETED = "group-create", "group-delete", "member-deleted"
_CHUNK = 5000  # ids per IN list: far below SQLite's and PostgreSQL's limits on parameters
_GROUP = (groups.c.id, groups.c.version, groups.c.created, groups.c.last_modified, groups.c.display_name,
          groups.c.external_id)
_MEMBERSHIPS = (select(group_members.c.user_pk, groups.c.id, groups.c.display_name)
                .select_from(group_members.join(groups, groups.c.pk == group_members.c.group_pk))
                .order_by(group_members.c.user_pk, group_members.c.group_pk))
_GROUPS_OF = _MEMBERSHIPS.where(group_members.c.user_pk.in_(bindparam("pks", expanding=True)))
_GROUPS_BETWEEN = _MEMBERSHIPS.where(group_members.c.user_pk.between(bindparam("lo"), bindparam("hi")))
_MEMBERS = (select(group_members.c.group_pk, users.c.pk, users.c.id, users.c.display_name)
            .select_from(group_members.join(users, users.c.pk == group_members.c.user_pk))
            .where(group_members.c.group_pk.in_(bindparam("pks", expanding=True)))
            .order_by(group_members.c.group_pk, users.c.pk))
_INSERT_MEMBERS = insert(group_members)
#: Users by id: (pk, displayName).
_Users = dict[str, tuple[int, str | None]]


def _chunks(items: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start:start + _CHUNK])


def groups_of(conn: Connection, user_pks: Sequence[int]) -> dict[int, tuple[tuple[str, str], ...]]:
    """The groups, (id, displayName), of each of the users ``user_pks`` that is in any (and maybe of others):
    one query a page. A page in ``pk`` order (a crawl) is a range of the index, many times cheaper than a list
    of a thousand keys; other pages list their keys."""
    if not user_pks:
        return {}
    lo, hi = min(user_pks), max(user_pks)
    if hi - lo < 2 * len(user_pks) + 64:  # dense: the range holds few users beside the page's
        rows: Iterable[Any] = conn.execute(_GROUPS_BETWEEN, {"lo": lo, "hi": hi})
    else:
        rows = (row for chunk in _chunks(user_pks) for row in conn.execute(_GROUPS_OF, {"pks": chunk}))
    found: dict[int, list[tuple[str, str]]] = {}
    for user_pk, group_id, name in rows:
        found.setdefault(user_pk, []).append((group_id, name))
    return {pk: tuple(pairs) for pk, pairs in found.items()}


def _members(conn: Connection, group_pks: Sequence[int]) -> dict[int, list[tuple[int, str, str | None]]]:
    """The members, (user pk, id, displayName) in user order, of each group."""
    found: dict[int, list[tuple[int, str, str | None]]] = {pk: [] for pk in group_pks}
    for chunk in _chunks(group_pks):
        for group_pk, user_pk, user_id, display in conn.execute(_MEMBERS, {"pks": chunk}):
            found[group_pk].append((user_pk, user_id, display))
    return found


def _record(row: Sequence[Any], members: Iterable[tuple[int, str, str | None]] | None) -> StoredGroup:
    listed = None if members is None else tuple(Member(i, d) for _pk, i, d in members)
    return StoredGroup(*row[:6], listed)


def _not_unique(exc: IntegrityError) -> NotUnique:
    return NotUnique("displayName" if "display_name" in str(exc.orig) else None, "group")


#: The groups of a user (by pk), built once (PostgreSQL: locked, for a delete to take the user out of them).
_LEFT_GROUPS = (select(groups.c.pk, groups.c.id)
              .select_from(group_members.join(groups, groups.c.pk == group_members.c.group_pk))
              .where(group_members.c.user_pk == bindparam("user_pk")).order_by(groups.c.pk))
_LEFT_GROUPS_LOCKED = _LEFT_GROUPS.with_for_update(of=groups)


class GroupWrites:
    """The group writes of a :class:`~roster_tui.server.storage.sql.SqlWriter` (its connection and audit)."""

    conn: Connection
    _audit: Callable[[str, str, dict[str, Any], str], None]

    def _users(self, ids: Collection[str]) -> _Users:
        """pk and displayName of each of ``ids`` that is a user; PostgreSQL keeps them (share-locked) until commit."""
        found: _Users = {}
        for chunk in _chunks(sorted(ids)):
            query = (select(users.c.id, users.c.pk, users.c.display_name)
                     .where(users.c.id.in_(chunk)).order_by(users.c.pk))
            if self.conn.dialect.name == "postgresql":
                query = query.with_for_update(read=True)
            found.update((i, (pk, display)) for i, pk, display in self.conn.execute(query))
        return found

    def _resolve(self, ids: Sequence[str], known: _Users) -> _Users:
        """``known`` plus the other ``ids``; ``UnknownMembers`` if any is not a user."""
        rest = [i for i in ids if i not in known]
        found = {**known, **self._users(rest)} if rest else known
        missing = [i for i in ids if i not in found]
        if missing:
            raise UnknownMembers(missing)
        return found

    def _add_members(self, group_pk: int, pks: Iterable[int]) -> None:
        rows = [{"group_pk": group_pk, "user_pk": pk} for pk in pks]
        if rows:
            self.conn.execute(_INSERT_MEMBERS, rows)

    def create_group(self, doc: GroupDoc) -> StoredGroup:
        users_found = self._resolve(doc.members, {})
        stamp = now()
        row = (str(uuid.uuid4()), 1, stamp, stamp, doc.display_name, doc.external_id)
        try:
            result = self.conn.execute(insert(groups).values(
                **dict(zip(("id", "version", "created", "last_modified", "display_name", "external_id"), row,
                           strict=True)), display_name_key=fold(doc.display_name)))
        except IntegrityError as exc:
            raise _not_unique(exc) from None
        group_pk = result.inserted_primary_key[0]  # type: ignore[index]
        members = sorted((users_found[i][0], i, users_found[i][1]) for i in doc.members)
        self._add_members(group_pk, (pk for pk, _i, _d in members))
        changes: dict[str, Any] = {"displayName": [None, doc.display_name]}
        if doc.external_id is not None:
            changes["externalId"] = [None, doc.external_id]
        if doc.members:
            changes["members"] = {"added": list(doc.members), "removed": []}
        self._audit(row[0], GROUP_CREATE, changes, stamp)
        return _record(row, members)

    def _current_group(self, id: str, expected_version: Versions) -> Any:
        if not can_hold(id):
            raise GroupNotFound(id)
        query = select(groups.c.pk, *_GROUP).where(groups.c.id == id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        if row is None:
            raise GroupNotFound(id)
        if is_stale(expected_version, row.version):
            raise VersionMismatch(id, expected_version, row.version, f"Group {id} was changed since version "
                                  f"{versions_text(expected_version)} (now {row.version}); reload it and try again")
        return row

    def update_group(self, id: str, mutate: GroupMutation, expected_version: Versions, action: str,
                     named: Collection[str] = ()) -> StoredGroup:
        known = self._users(named) if named else {}  # users first: the lock order
        row = self._current_group(id, expected_version)
        group_pk, current = row[0], row[1:]
        members = _members(self.conn, [group_pk])[group_pk]
        old = GroupDoc(current[4], current[5], tuple(i for _pk, i, _d in members))
        new = mutate(old)
        before, after = set(old.members), set(new.members)
        if (new.display_name, new.external_id, after) == (old.display_name, old.external_id, before):
            return _record(current, members)
        added = [i for i in new.members if i not in before]
        removed = [(pk, i) for pk, i, _d in members if i not in after]
        found = self._resolve(added, known)
        stamp = now()
        try:
            done = self.conn.execute(
                groups.update().where(groups.c.pk == group_pk, groups.c.version == current[1])
                .values(version=current[1] + 1, last_modified=stamp, display_name=new.display_name,
                        external_id=new.external_id,  # a new name, a new key (an old duplicate keeps its own)
                        **({"display_name_key": fold(new.display_name)} if new.display_name != old.display_name
                           else {})))
        except IntegrityError as exc:
            raise _not_unique(exc) from None
        if done.rowcount != 1:
            raise VersionMismatch(id, current[1], None, f"Group {id} was changed concurrently; reload it and try again")
        for chunk in _chunks([pk for pk, _i in removed]):
            self.conn.execute(group_members.delete().where(group_members.c.group_pk == group_pk,
                                                           group_members.c.user_pk.in_(chunk)))
        self._add_members(group_pk, (found[i][0] for i in added))
        changes: dict[str, Any] = {key: [a, b] for key, a, b in (
            ("displayName", old.display_name, new.display_name), ("externalId", old.external_id, new.external_id))
            if a != b}
        if added or removed:
            changes["members"] = {"added": added, "removed": [i for _pk, i in removed]}
        self._audit(id, action, changes, stamp)
        kept = [m for m in members if m[1] in after] + [(found[i][0], i, found[i][1]) for i in added]
        return _record((id, current[1] + 1, current[2], stamp, new.display_name, new.external_id), sorted(kept))

    def delete_group(self, id: str, expected_version: Versions) -> None:
        row = self._current_group(id, expected_version)
        members = _members(self.conn, [row[0]])[row[0]]
        self.conn.execute(group_members.delete().where(group_members.c.group_pk == row[0]))
        self.conn.execute(groups.delete().where(groups.c.pk == row[0]))
        changes: dict[str, Any] = {"displayName": [row.display_name, None]}
        if row.external_id is not None:
            changes["externalId"] = [row.external_id, None]
        if members:
            changes["members"] = {"added": [], "removed": [i for _pk, i, _d in members]}
        self._audit(id, GROUP_DELETE, changes, now())

    def leave_groups(self, user_pk: int, user_id: str, stamp: str) -> None:
        """Take the user being deleted out of its groups: each group's version moves on, with an audit row."""
        query = _LEFT_GROUPS_LOCKED if self.conn.dialect.name == "postgresql" else _LEFT_GROUPS
        left = self.conn.execute(query, {"user_pk": user_pk}).all()
        if not left:
            return
        self.conn.execute(group_members.delete().where(group_members.c.user_pk == user_pk))
        self.conn.execute(groups.update().where(groups.c.pk.in_([pk for pk, _id in left]))
                          .values(version=groups.c.version + 1, last_modified=stamp))
        for _pk, group_id in left:
            self._audit(group_id, MEMBER_DELETED, {"members": {"added": [], "removed": [user_id]}}, stamp)


class GroupReads:
    """The group reads of a :class:`~roster_tui.server.storage.sql.SqlStorage` (its read engine)."""

    read_engine: Any
    dialect: str

    def get_group(self, id: str, members: bool = True) -> StoredGroup | None:
        if not can_hold(id):
            return None
        with self.read_engine.begin() as conn:
            row = conn.execute(select(groups.c.pk, *_GROUP).where(groups.c.id == id)).first()
            listed = _members(conn, [row[0]])[row[0]] if row is not None and members else None
        return _record(row[1:], listed) if row is not None else None

    def list_groups(self, filter: Any, sort_by: Any, descending: bool, offset: int, limit: int,
                    members: bool = True) -> tuple[int, list[StoredGroup]]:
        """The number of matching groups and one page of them (with their members), in one snapshot."""
        where = compile_group_filter(filter, self.dialect) if filter is not None else None
        count = select(func.count()).select_from(groups)
        order = [groups.c.pk.desc() if descending else groups.c.pk.asc()]
        if sort_by is not None:
            column = group_order_by(sort_by, self.dialect)
            order.insert(0, column.desc() if descending else column.asc())
        page = select(groups.c.pk, *_GROUP).order_by(*order).limit(limit).offset(offset)
        if where is not None:
            count, page = count.where(where), page.where(where)
        rows: list[Any] = []
        listed: dict[int, list[tuple[int, str, str | None]]] = {}
        with self.read_engine.begin() as conn:
            total = conn.execute(count).scalar_one()
            if limit > 0 and offset < total:
                rows = list(conn.execute(page).all())
                if members:
                    listed = _members(conn, [r[0] for r in rows])
        return int(total), [_record(r[1:], listed.get(r[0]) if members else None) for r in rows]
