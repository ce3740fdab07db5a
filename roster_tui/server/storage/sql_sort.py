"""``sortBy`` in SQL: the column a sort attribute names, for users and for groups (:class:`NotSortable` otherwise).

Text columns sort case-insensitively on both backends (SQLite's NOCASE columns, ``lower()`` on PostgreSQL, whose
indexes are on ``lower(column)``); users who share a family name are ordered by :data:`TIES`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER
from roster_tui.server.filters import CORE_GROUP, AttrPath, resolve_path
from roster_tui.server.storage.errors import NotSortable
from roster_tui.server.storage.group_filter import GROUP_COLUMNS
from roster_tui.server.storage.sql_filter import COLUMNS, Expr, _is_nocase
from roster_tui.server.storage.tables import users

#: What orders the users that share a sort value: people by family name, then given name, then employee number.
TIES = {AttrPath(None, "name", "familyName"): (AttrPath(None, "name", "givenName"),
                                              AttrPath(ENTERPRISE_USER, "employeeNumber"))}


def sort_path(text: str, core: str = CORE_USER) -> AttrPath:
    """The one attribute ``text`` names, as a ``sortBy`` parameter would."""
    try:
        paths = {resolve_path(name.strip(), None, core) for name in text.split(",") if name.strip()}
    except LookupError as exc:
        raise NotSortable(f"{exc.args[0]} in sortBy") from None
    if len(paths) != 1:
        raise NotSortable("sortBy must name exactly one attribute")
    return paths.pop()


def _sortable(col: Any, dialect_name: str) -> Expr:
    if dialect_name == "postgresql" and _is_nocase(col, "sqlite"):
        return func.lower(col)
    return col


def order_by(path: AttrPath | str, dialect_name: str = "sqlite") -> Expr:
    """The column to sort users by (ascending; add ``.desc()`` as needed); only roster columns are sortable."""
    if isinstance(path, str):
        path = sort_path(path)
    name = COLUMNS.get((path.urn, path.attr, path.sub))
    if name is None:
        raise NotSortable(f"cannot sort by {path}")
    return _sortable(users.c[name], dialect_name)


def group_order_by(path: AttrPath | str, dialect_name: str = "sqlite") -> Expr:
    """The column to sort groups by; only their own columns are sortable."""
    if isinstance(path, str):
        path = sort_path(path, CORE_GROUP)
    col = GROUP_COLUMNS.get((path.urn, path.attr, path.sub))
    if col is None:
        raise NotSortable(f"cannot sort groups by {path}")
    return _sortable(col, dialect_name)
