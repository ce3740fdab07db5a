"""How many users hold each value of a roster attribute (``GET /Users/.values``): one GROUP BY in SQL.

The roster columns are grouped on their indexes (SQLite: NOCASE, so ``sales`` and ``Sales`` are one value;
PostgreSQL: ``lower()``, shown as the smallest spelling); ``group`` counts ``group_members`` rows and ``manager``
is grouped by the manager's id, shown by the manager's displayName. Absent and empty values are one blank row.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from roster_tui.core.facets import BLANK
from roster_tui.server.storage import sql_filter
from roster_tui.server.storage.tables import group_members, groups, users

#: The roster attributes counted on a column of ``users``.
VALUE_COLUMNS = {"department": "department", "division": "division", "location": "location", "title": "title",
                 "manager": "manager_id"}
COUNTED = (*VALUE_COLUMNS, "status", "group")


class ValueRow(NamedTuple):
    """One value and the users holding it; ``value`` None is the blank row, ``display`` how to show it."""

    value: str | bool | None
    display: str | None
    count: int


class ValueCounts(NamedTuple):
    """The users counted, how many distinct values they hold, and the most frequent of them."""

    users: int
    distinct: int
    rows: list[ValueRow]


def _order(rows: list[ValueRow]) -> list[ValueRow]:
    """By count, most first, then by what is shown (case-insensitively)."""
    def shown(r: ValueRow) -> str:
        return BLANK if r.value is None else str(r.display if r.display is not None else r.value)

    return sorted(rows, key=lambda r: (-r.count, shown(r).casefold()))


def _merge_blank(rows: list[tuple[Any, int]]) -> tuple[list[ValueRow], int]:
    """Rows of (value, count) with absent and empty values folded into one blank row; and their total."""
    out, blank, total = [], 0, 0
    for value, count in rows:
        total += count
        if value is None or not str(value).strip():
            blank += count
        else:
            out.append(ValueRow(value, None, int(count)))
    if blank:
        out.append(ValueRow(None, None, blank))
    return out, total


class ValueReads:
    """The value counts of a :class:`~roster_tui.server.storage.sql.SqlStorage` (its read engine)."""

    read_engine: Any
    dialect: str

    def value_counts(self, name: str, filter: Any, limit: int) -> ValueCounts:
        """The ``limit`` most frequent values of the attribute ``name`` (:data:`COUNTED`) among the users matching
        ``filter`` (None: all); ``NotFilterable`` if the filter cannot be answered."""
        where = sql_filter.compile_filter(filter, self.dialect) if filter is not None else None
        with self.read_engine.begin() as conn:
            if name == "group":
                rows, total = self._groups(conn, where)
            else:
                if name == "status":
                    query = select(users.c.active, func.count()).group_by(users.c.active)
                else:
                    col = users.c[VALUE_COLUMNS[name]]
                    if self.dialect == "postgresql":
                        query = select(func.min(col), func.count()).group_by(func.lower(col))
                    else:  # grouped on the NOCASE index, read without the table
                        query = select(col, func.count()).group_by(col)
                rows, total = _merge_blank(conn.execute(query if where is None else query.where(where)).all())
            rows = _order(rows)
            top = rows[:max(0, limit)]
            if name == "status":
                top = [r._replace(display="active" if r.value else "inactive") for r in top]
            elif name == "manager":
                top = self._manager_names(conn, top)
        return ValueCounts(total, len(rows), top)

    @staticmethod
    def _groups(conn: Connection, where: Any) -> tuple[list[ValueRow], int]:
        """Each group's matching members, and the matching users in no group (the blank row)."""
        members = group_members.join(groups, groups.c.pk == group_members.c.group_pk)
        per_group = (select(groups.c.id, groups.c.display_name, func.count()).select_from(members)
                     .group_by(groups.c.pk, groups.c.id, groups.c.display_name))
        in_any = select(func.count(distinct(group_members.c.user_pk)))
        count = select(func.count()).select_from(users)
        if where is not None:
            chosen = group_members.c.user_pk.in_(select(users.c.pk).where(where))
            per_group, in_any, count = per_group.where(chosen), in_any.where(chosen), count.where(where)
        total = int(conn.execute(count).scalar_one())
        rows = [ValueRow(id, name, int(n)) for id, name, n in conn.execute(per_group)]
        blank = total - int(conn.execute(in_any).scalar_one())
        return rows + ([ValueRow(None, None, blank)] if blank > 0 else []), total

    @staticmethod
    def _manager_names(conn: Connection, rows: list[ValueRow]) -> list[ValueRow]:
        """The managers' displayNames (their ids when they have none)."""
        ids = [r.value for r in rows if isinstance(r.value, str)]
        names: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            query = select(users.c.id, users.c.display_name).where(users.c.id.in_(ids[start:start + 500]))
            names.update({id: name for id, name in conn.execute(query) if name})
        return [r._replace(display=names.get(r.value, r.value)) if isinstance(r.value, str) else r for r in rows]
