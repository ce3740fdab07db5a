"""Compile parsed Group filters and sorts (paths resolved against the Group schema) to SQL on ``groups``.

``id``, ``externalId``, ``displayName`` and ``meta.created``/``meta.lastModified`` are columns; ``members``
(``members.value eq "<user id>"``, ``members.display``, ``members[…]``) looks the members up in
``group_members`` and ``users``. Operators mean what they mean for Users (:mod:`.sql_filter`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, literal, select

from roster_tui.server.filters import CORE_GROUP, AttrPath, Compare, Node, Present
from roster_tui.server.storage.errors import NotFilterable
from roster_tui.server.storage.sql_filter import Expr, Loc, _Compiler, _is_nocase, key_equals
from roster_tui.server.storage.tables import group_members, groups, users

#: Filter and sort paths (urn, attr, sub) with a column of ``groups``.
GROUP_COLUMNS: dict[tuple[str | None, str, str | None], Column[Any]] = {
    (None, "id", None): groups.c.id,
    (None, "externalId", None): groups.c.external_id,
    (None, "displayName", None): groups.c.display_name,
    (None, "meta", "created"): groups.c.created,
    (None, "meta", "lastModified"): groups.c.last_modified,
}


def _member_column(sub: str) -> Expr:
    """The ``users`` column a sub-attribute of ``members`` is compared on."""
    if sub == "value":
        return users.c.id
    if sub == "display":
        return users.c.display_name
    if sub == "type":
        return literal("User")
    raise NotFilterable(f"filtering on members.{sub} is not supported")


class _GroupCompiler(_Compiler):
    core = CORE_GROUP

    def leaf(self, node: Compare | Present, elem: Any) -> Expr:
        path = node.path
        if elem is not None:
            return super().leaf(node, elem)
        if path.urn is None and path.attr == "members":
            return self.with_member(self.leaf(node, _member_column))
        col = GROUP_COLUMNS.get((path.urn, path.attr, path.sub))
        if col is None:
            raise NotFilterable(f"filtering on {path} is not supported")
        if col is groups.c.display_name and isinstance(node, Compare) and node.op == "eq" \
                and isinstance(node.value, str):
            return key_equals(groups.c.display_name_key, node.value)  # the rule uniqueness is kept by
        return self.test(col, node, nocase=_is_nocase(col, self.dialect))

    def value_path(self, path: AttrPath, inner: Node) -> Expr:
        if path.urn is None and path.attr == "members":
            return self.with_member(self.node(inner, _member_column))
        raise NotFilterable(f"filtering on {path}[…] is not supported")

    def json_test(self, loc: Loc, node: Compare | Present) -> Expr:  # groups keep no JSON document
        raise NotFilterable(f"filtering on {node.path} is not supported")

    @staticmethod
    def with_member(cond: Expr) -> Expr:
        """The groups with a member for which ``cond`` (on ``users``) holds."""
        joined = group_members.join(users, users.c.pk == group_members.c.user_pk)
        return groups.c.pk.in_(select(group_members.c.group_pk).select_from(joined).where(cond))


def compile_group_filter(node: Node, dialect_name: str = "sqlite") -> Expr:
    """A WHERE condition on ``groups`` selecting the groups that match ``node`` (parsed with the Group schema).

    Raises :class:`NotFilterable` for attributes that cannot be filtered on.
    """
    return _GroupCompiler(dialect_name).node(node, None)
