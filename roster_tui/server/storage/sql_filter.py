"""Compile parsed SCIM filters (:mod:`roster_tui.server.filters`) into SQLAlchemy Core conditions on ``users``.

Roster attributes map to indexed columns; every other schema attribute is evaluated on the JSON ``doc``
column inside SQL (``json_extract``/``json_each`` on SQLite). Rows are never filtered in Python.

Semantics, matching :func:`roster_tui.server.filters.matches` except where noted:

* ``emails`` / ``emails.value`` compare the user's primary email (the ``email`` column) only; a value
  filter such as ``emails[value co "x"]`` looks at every email in ``doc``.
* ``ne`` and ``not`` are true when the attribute is absent (``ne`` is ``not eq``).
* Case-insensitive strings follow SQLite's ASCII case folding (NOCASE, ``LIKE``).
* ``manager`` and ``manager pr`` use ``manager_id``. ``meta.version``, ``meta.resourceType`` and
  ``meta.location`` cannot be filtered on.

The expression may evaluate to NULL where the filter is false: use it in WHERE, don't negate it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, collate, column, false, func, literal, not_, or_, select, table
from sqlalchemy.dialects import sqlite

from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER
from roster_tui.server.errors import invalid_filter, invalid_value
from roster_tui.server.filters import (
    And,
    AttrPath,
    Compare,
    Node,
    Not,
    Or,
    Present,
    ValuePath,
    attr_definition,
    compared_definition,
    parse_attribute_list,
)
from roster_tui.server.storage.tables import FTS_COLUMNS, users

Expr = ColumnElement[Any]
#: Appended to a prefix, the smallest string greater than every string starting with the prefix.
MAX_CHAR = "\U0010ffff"
DIALECTS = ("sqlite", "postgresql")

#: Filter paths (urn, attr, sub) with their own column. Bare complex paths compare their ``value``.
COLUMNS: dict[tuple[str | None, str, str | None], str] = {
    (None, "id", None): "id",
    (None, "externalId", None): "external_id",
    (None, "userName", None): "user_name",
    (None, "name", "givenName"): "given_name",
    (None, "name", "familyName"): "family_name",
    (None, "displayName", None): "display_name",
    (None, "title", None): "title",
    (None, "active", None): "active",
    (None, "emails", None): "email",
    (None, "emails", "value"): "email",
    (None, "roles", None): "roles",
    (None, "roles", "value"): "roles",
    (None, "meta", "created"): "created",
    (None, "meta", "lastModified"): "last_modified",
    (ENTERPRISE_USER, "employeeNumber", None): "employee_number",
    (ENTERPRISE_USER, "department", None): "department",
    (ENTERPRISE_USER, "division", None): "division",
    (ENTERPRISE_USER, "manager", None): "manager_id",
    (ENTERPRISE_USER, "manager", "value"): "manager_id",
    (ROSTER_USER, "hireDate", None): "hire_date",
    (ROSTER_USER, "location", None): "location",
}
_NOT_IN_DOC = frozenset(("id", "meta"))

#: The SQLite trigram index over some columns (created by the storage layer from ``tables.SQLITE_FTS``).
users_fts = table("users_fts", column("rowid"), *(column(c) for c in FTS_COLUMNS))


# ---- dialect-specific pieces --------------------------------------------------------------------------

def _is_nocase(col: Expr, dialect_name: str) -> bool:
    """Whether ``col`` is declared COLLATE NOCASE on this dialect (so ``=`` and ranges ignore case)."""
    if dialect_name != "sqlite":
        return False
    return getattr(col.type.dialect_impl(sqlite.dialect()), "collation", None) == "NOCASE"


def _fold(x: Expr, v: str, dialect_name: str, nocase: bool) -> tuple[Expr, Any]:
    """Operands for a case-insensitive ``=``/range comparison of ``x`` with ``v``."""
    if dialect_name == "postgresql":
        return func.lower(x), func.lower(literal(v))
    # NOCASE folds ASCII letters only; a value without any char in 'A'..'z' compares the same either way,
    # so the column's index stays usable.
    if nocase or not any("A" <= c <= "z" for c in v):
        return x, v
    return collate(x, "NOCASE"), v


def _like(x: Expr, v: str, kind: str, dialect_name: str, ci: bool) -> Expr:
    """``x`` contains (``co``) / starts with (``sw``) / ends with (``ew``) ``v``, via LIKE."""
    esc = v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = {"co": "%{}%", "sw": "{}%", "ew": "%{}"}[kind].format(esc)
    if dialect_name == "postgresql":
        return x.ilike(pattern, escape="\\") if ci else x.like(pattern, escape="\\")
    if not ci:  # SQLite's LIKE ignores ASCII case
        n = len(v)
        return {"co": func.instr(x, v) > 0, "sw": func.substr(x, 1, n) == v, "ew": func.substr(x, -n) == v}[kind]
    if esc == v:
        return x.like(pattern)
    return x.like(pattern, escape="\\")


def _fts_like(name: str, v: str, kind: str) -> Expr:
    """``co``/``ew`` on a trigram-indexed column. The index only serves LIKE without ESCAPE, so values with
    wildcards use it as a pre-filter (wildcards also match themselves) and re-check the column exactly."""
    raw = ("%{}%" if kind == "co" else "%{}").format(v)
    hit = users.c.pk.in_(select(users_fts.c.rowid).where(users_fts.c[name].like(raw)))
    if "%" in v or "_" in v:
        return and_(hit, _like(users.c[name], v, kind, "sqlite", True))
    return hit


def _json_path(*keys: str) -> str:
    out = "$"
    for k in keys:
        out += f".{k}" if k.replace("_", "a").isalnum() and not k[0].isdigit() else f'."{k}"'
    return out


def _require_sqlite(dialect_name: str, path: AttrPath) -> None:
    if dialect_name != "sqlite":
        raise NotImplementedError(f"filtering on {path} (stored only in the JSON document) on {dialect_name}")


def _json_extract(doc: Expr, path: str) -> Expr:
    return func.json_extract(doc, path)


def _json_each(doc: Expr, path: str) -> Any:
    return func.json_each(doc, path).table_valued("type", "value")


def _json_present(doc: Expr, path: str) -> Expr:
    """Some member of the JSON value at ``path`` (or the value itself if scalar) is non-empty."""
    m = _json_each(doc, path)
    return select(m.c.value).where(or_(
        m.c.type.in_(("integer", "real", "true", "false")),
        and_(m.c.type == "text", m.c.value != ""),
        and_(m.c.type == "object", m.c.value != "{}"),
        and_(m.c.type == "array", m.c.value != "[]"),
    )).exists()


# ---- compilation -----------------------------------------------------------------------------------------

def _negate(e: Expr) -> Expr:
    """Two-valued NOT: a NULL (unknown) operand counts as false."""
    return not_(func.coalesce(e, false()))


def _nonempty(x: Expr, is_string: bool) -> Expr:
    return and_(x.is_not(None), x != "") if is_string else x.is_not(None)


class _Compiler:
    def __init__(self, dialect_name: str) -> None:
        if dialect_name not in DIALECTS:
            raise ValueError(f"unsupported dialect {dialect_name!r}")
        self.dialect = dialect_name

    def node(self, node: Node, elem: Callable[[str], Expr] | None) -> Expr:
        match node:
            case And(left, right):
                return and_(self.node(left, elem), self.node(right, elem))
            case Or(left, right):
                return or_(self.node(left, elem), self.node(right, elem))
            case Not(inner):
                return _negate(self.node(inner, elem))
            case Compare(path, "ne", value):
                return _negate(self.node(Compare(path, "eq", value), elem))
            case ValuePath(path, inner):
                return self.value_path(path, inner)
            case Compare() | Present():
                return self.leaf(node, elem)
        raise TypeError(node)

    def leaf(self, node: Compare | Present, elem: Callable[[str], Expr] | None) -> Expr:
        path = node.path
        if elem is not None:
            return self.test(elem(path.sub or "value"), node, nocase=False)
        name = COLUMNS.get((path.urn, path.attr, path.sub))
        if name == "roles" and not (isinstance(node, Compare) and node.op in ("gt", "ge", "lt", "le")):
            return self.roles(node)
        if name is not None and name != "roles":
            col = users.c[name]
            return self.test(col, node, nocase=_is_nocase(col, self.dialect),
                             fts=name if name in FTS_COLUMNS and self.dialect == "sqlite" else None)
        if path.attr in _NOT_IN_DOC:
            raise invalid_filter(f"filtering on {path} is not supported")
        _require_sqlite(self.dialect, path)
        top = attr_definition(AttrPath(path.urn, path.attr))
        keys = (path.urn, path.attr) if path.urn else (path.attr,)
        sub = path.sub or ("value" if isinstance(node, Compare) and top["type"] == "complex" else None)
        if not top["multiValued"]:
            full = _json_path(*keys, *((sub,) if sub else ()))
            if isinstance(node, Present) and attr_definition(path)["type"] == "complex":
                return _json_present(users.c.doc, full)
            return self.test(_json_extract(users.c.doc, full), node, nocase=False)
        if isinstance(node, Present) and sub is None:
            return _json_present(users.c.doc, _json_path(*keys))
        e = _json_each(users.c.doc, _json_path(*keys))
        value = _json_extract(e.c.value, _json_path(sub)) if sub else e.c.value
        guard = [e.c.type == "object"] if sub else []
        return select(e.c.value).where(*guard, self.test(value, node, nocase=False)).exists()

    def value_path(self, path: AttrPath, inner: Node) -> Expr:
        _require_sqlite(self.dialect, path)
        keys = (path.urn, path.attr) if path.urn else (path.attr,)
        if not attr_definition(path)["multiValued"]:
            base = _json_path(*keys)
            cond = self.node(inner, lambda sub: _json_extract(users.c.doc, f"{base}{_json_path(sub)[1:]}"))
            return and_(func.json_type(users.c.doc, base) == "object", cond)
        e = _json_each(users.c.doc, _json_path(*keys))
        cond = self.node(inner, lambda sub: _json_extract(e.c.value, _json_path(sub)))
        return select(e.c.value).where(e.c.type == "object", cond).exists()

    def test(self, x: Expr, node: Compare | Present, *, nocase: bool, fts: str | None = None) -> Expr:
        """``node``'s operator applied to the value expression ``x`` (never ``ne``)."""
        d = compared_definition(node.path) or attr_definition(node.path)
        is_string = d["type"] in ("string", "reference", "binary", "dateTime")
        if isinstance(node, Present):
            return _nonempty(x, is_string)
        op, v = node.op, node.value
        if isinstance(v, bool):
            return x == literal(v) if self.dialect == "postgresql" else x == int(v)
        if not isinstance(v, str):
            return _ORDER[op](x, v)
        ci = not d.get("caseExact", True)
        if op in ("co", "sw", "ew") and v == "":
            return x.is_not(None)
        if op in ("co", "ew") and ci and fts:
            return _fts_like(fts, v, op)
        if op in ("co", "sw", "ew") and (op != "sw" or self.dialect == "postgresql"):
            return _like(x, v, op, self.dialect, ci)
        if ci:
            x, v = _fold(x, v, self.dialect, nocase)
        if op == "sw":
            return and_(x >= v, x < v + MAX_CHAR)
        return _ORDER[op](x, v)

    def roles(self, node: Compare | Present) -> Expr:
        """``roles`` holds ``|Role A|Role B|``: match one role between the bars."""
        col = users.c.roles
        if isinstance(node, Present):
            return col.is_not(None)
        v = node.value
        assert isinstance(v, str)
        if v == "" and node.op != "eq":
            return col.is_not(None)
        if "|" in v:
            return false()
        bars = {"eq": "|{}|", "co": "{}", "sw": "|{}", "ew": "{}|"}[node.op]
        return _like(col, bars.format(v), "co", self.dialect, ci=True)


_ORDER: dict[str, Callable[[Any, Any], Expr]] = {
    "eq": lambda x, v: x == v,
    "gt": lambda x, v: x > v,
    "ge": lambda x, v: x >= v,
    "lt": lambda x, v: x < v,
    "le": lambda x, v: x <= v,
}


def compile_filter(node: Node, dialect_name: str = "sqlite") -> Expr:
    """A WHERE condition on ``users`` selecting the users that match the parsed filter ``node``.

    Raises ``invalidFilter`` for attributes that cannot be filtered on.
    """
    return _Compiler(dialect_name).node(node, None)


def order_by(path: AttrPath | str, dialect_name: str = "sqlite") -> Expr:
    """The column to sort by for a ``sortBy`` attribute (ascending; add ``.desc()`` as needed).

    Only attributes with a roster column are sortable; others raise ``invalidValue``.
    """
    if isinstance(path, str):
        paths = parse_attribute_list(path, "sortBy")
        if len(paths) != 1:
            raise invalid_value("sortBy must name exactly one attribute")
        path = paths[0]
    name = COLUMNS.get((path.urn, path.attr, path.sub))
    if name is None:
        raise invalid_value(f"cannot sort by {path}")
    col = users.c[name]
    if dialect_name == "postgresql" and _is_nocase(col, "sqlite"):
        return func.lower(col)
    return col
