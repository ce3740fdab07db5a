"""Compile parsed SCIM filters (:mod:`roster_tui.server.filters`) to SQLAlchemy Core conditions on ``users``.

Roster attributes map to indexed columns; every other schema attribute is evaluated on the JSON ``doc``
column inside SQL (SQLite ``json_extract``/``json_each``, PostgreSQL ``jsonb`` operators). Rows are never
filtered in Python. Dialect-specific pieces are the small ``_fold``/``_like``/``_fts_like``/``_json_*``
functions; ``dialect_name`` is ``"sqlite"`` or ``"postgresql"``.

Semantics, matching :func:`roster_tui.server.filter_eval.matches` except where noted:

* ``emails`` / ``emails.value`` compare the user's primary email (the ``email`` column) only; a value
  filter such as ``emails[value co "x"]`` looks at every email in ``doc``.
* ``ne`` and ``not`` are true when the attribute is absent (``ne`` is ``not eq``).
* Case-insensitive strings: SQLite folds ASCII letters only (NOCASE, ``LIKE``), PostgreSQL uses
  ``lower()``/``ILIKE``; ``gt``/``ge``/``lt``/``le`` compare in code-point order on both. ``eq`` on a unique
  value (``userName``, ``emails.value``, ``employeeNumber``) compares its key (:func:`.documents.fold`), the
  same on both backends and the rule uniqueness is kept by.
* ``manager`` and ``manager pr`` use ``manager_id``. ``meta.version``, ``meta.resourceType`` and
  ``meta.location`` cannot be filtered on (:class:`NotFilterable`).
* ``groups`` (``groups.value eq "<group id>"``, ``groups.display``, ``groups[…]``) looks the user's memberships
  up in ``group_members``; ``groups.$ref`` cannot be filtered on.

The expression may evaluate to NULL where the filter is false: use it in WHERE, don't negate it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Text,
    and_,
    case,
    cast,
    collate,
    column,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import JSONB

from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, ROSTER_USER
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
)
from roster_tui.server.storage.documents import KEYS, key_range
from roster_tui.server.storage.errors import NotFilterable
from roster_tui.server.storage.tables import FTS_COLUMNS, group_members, groups, users

Expr = ColumnElement[Any]
#: Appended to a prefix, the smallest string greater than every string starting with the prefix.
MAX_CHAR = "\U0010ffff"
DIALECTS = ("sqlite", "postgresql")
_MANAGER = AttrPath(ENTERPRISE_USER, "manager", "value")

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


def key_equals(key: Expr, value: str) -> Expr:
    """The rows whose unique value is ``value`` under the unique rule: a range of the key's unique index."""
    low, high = key_range(value)
    return and_(key >= low, key < high)


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
        if ci and kind == "sw":  # lower(col) LIKE 'abc%' is a range on the text_pattern_ops index
            return func.lower(x).like(pattern.lower(), escape="\\")
        return x.ilike(pattern, escape="\\") if ci else x.like(pattern, escape="\\")
    if not ci:  # SQLite's LIKE ignores ASCII case
        n = len(v)
        return {"co": func.instr(x, v) > 0, "sw": func.substr(x, 1, n) == v,
                "ew": func.substr(x, -n) == v}[kind]
    if esc == v:
        return x.like(pattern)
    return x.like(pattern, escape="\\")


def _fts_like(name: str, v: str, kind: str) -> Expr:
    """``co``/``ew`` on a trigram-indexed column.

    Three or more characters: a phrase MATCH, which the trigram index answers alone (consecutive trigrams
    are exactly a case-insensitive substring), many times faster than LIKE, which re-reads every candidate
    row. Shorter values have no trigram: LIKE over the column's own index (a covering scan, no documents).
    """
    if len(v) >= 3:
        phrase = '"' + v.replace('"', '""') + '"'
        hit = users.c.pk.in_(select(users_fts.c.rowid).where(users_fts.c[name].match(phrase)))
        return hit if kind == "co" else and_(hit, _like(users.c[name], v, kind, "sqlite", True))
    return users.c.pk.in_(select(users.c.pk).where(_like(users.c[name], v, kind, "sqlite", True)))


#: Where a JSON value lives: a JSON expression (``doc`` or one element of an array) and a key path in it.
Loc = tuple[Any, tuple[str, ...]]


def _sqlite_path(keys: tuple[str, ...]) -> str:
    """``$.name.formatted``, ``$."urn:…:User".location``."""
    return "$" + "".join(f".{k}" if k.isidentifier() else f'."{k}"' for k in keys)


def _pg_path(keys: tuple[str, ...]) -> Expr:
    return cast(literal("{" + ",".join(f'"{k}"' for k in keys) + "}"), ARRAY(Text))


def _doc(dialect_name: str) -> Expr:
    return cast(users.c.doc, JSONB) if dialect_name == "postgresql" else users.c.doc


def _json_text(loc: Loc, dialect_name: str) -> Expr:
    """The scalar at ``loc`` as SQL (SQLite: text, number or 0/1; PostgreSQL: text)."""
    base, keys = loc
    if dialect_name == "postgresql":
        return base.op("#>>", return_type=Text)(_pg_path(keys))
    return func.json_extract(base, _sqlite_path(keys))


def _json_is_object(loc: Loc, dialect_name: str) -> Expr:
    base, keys = loc
    if dialect_name == "postgresql":
        return func.jsonb_typeof(base.op("#>", return_type=JSONB)(_pg_path(keys))) == "object"
    return func.json_type(base, _sqlite_path(keys)) == "object"


def _json_objects(loc: Loc, dialect_name: str) -> tuple[Any, Expr, Expr]:
    """The elements of the array at ``loc``: (FROM clause, element JSON, "is an object" condition)."""
    base, keys = loc
    if dialect_name == "postgresql":
        arr = base.op("#>", return_type=JSONB)(_pg_path(keys))
        safe = case((func.jsonb_typeof(arr) == "array", arr), else_=cast(literal("[]"), JSONB))
        e = func.jsonb_array_elements(safe).table_valued(column("value", JSONB))
        return e, e.c.value, func.jsonb_typeof(e.c.value) == "object"
    e = func.json_each(base, _sqlite_path(keys)).table_valued("type", "value")
    return e, e.c.value, e.c.type == "object"


_EMPTY = ("null", '""', "[]", "{}")


def _json_present(loc: Loc, dialect_name: str) -> Expr:
    """The JSON value at ``loc`` is non-empty: a scalar other than "" / a member that is not null, "", []
    or {} (as :func:`roster_tui.server.filter_eval.matches` defines ``pr``)."""
    base, keys = loc
    if dialect_name == "postgresql":
        v = base.op("#>", return_type=JSONB)(_pg_path(keys))
        empties = [cast(literal(x), JSONB) for x in _EMPTY]
        members = func.jsonb_each(v).table_valued(column("value", JSONB))
        items = func.jsonb_array_elements(v).table_valued(column("value", JSONB))
        return case(
            (func.jsonb_typeof(v) == "object", select(1).where(members.c.value.not_in(empties)).exists()),
            (func.jsonb_typeof(v) == "array", select(1).where(items.c.value.not_in(empties)).exists()),
            else_=v.not_in(empties))
    m = func.json_each(base, _sqlite_path(keys)).table_valued("type", "value")
    return select(m.c.value).where(or_(
        m.c.type.in_(("integer", "real", "true", "false")),
        and_(m.c.type == "text", m.c.value != ""),
        and_(m.c.type.in_(("object", "array")), m.c.value.not_in(("{}", "[]"))),
    )).exists()


# ---- compilation -----------------------------------------------------------------------------------------

def _negate(e: Expr) -> Expr:
    """Two-valued NOT: a NULL (unknown) operand counts as false."""
    return not_(func.coalesce(e, false()))


def _nonempty(x: Expr, is_string: bool) -> Expr:
    return and_(x.is_not(None), x != "") if is_string else x.is_not(None)


class _Compiler:
    core = CORE_USER  # the schema of unqualified attribute names

    def __init__(self, dialect_name: str) -> None:
        if dialect_name not in DIALECTS:
            raise ValueError(f"unsupported dialect {dialect_name!r}")
        self.dialect = dialect_name

    def node(self, node: Node, elem: Callable[[str], Loc] | None) -> Expr:
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

    def leaf(self, node: Compare | Present, elem: Callable[[str], Loc] | None) -> Expr:
        path = node.path
        if elem is not None:  # inside a value filter: the element's JSON, or a column
            target = elem(path.sub or "value")
            if isinstance(target, tuple):
                return self.json_test(target, node)
            return self.test(target, node, nocase=_is_nocase(target, self.dialect))
        if path.urn is None and path.attr == "groups":
            return self.member_of(self.leaf(node, _group_column))
        name = COLUMNS.get((path.urn, path.attr, path.sub))
        if name == "roles" and not (isinstance(node, Compare) and node.op in ("gt", "ge", "lt", "le")):
            return self.roles(node)
        if name in KEYS and isinstance(node, Compare) and node.op == "eq" and isinstance(node.value, str):
            return key_equals(users.c[KEYS[name]], node.value)  # the unique rule: the clash a create would meet
        if name is not None and name != "roles":
            col = users.c[name]
            return self.test(col, node, nocase=_is_nocase(col, self.dialect),
                             fts=name if name in FTS_COLUMNS and self.dialect == "sqlite" else None)
        if path.attr in _NOT_IN_DOC:
            raise NotFilterable(f"filtering on {path} is not supported")
        top = attr_definition(AttrPath(path.urn, path.attr), self.core)
        keys = (path.urn, path.attr) if path.urn else (path.attr,)
        sub = path.sub or ("value" if isinstance(node, Compare) and top["type"] == "complex" else None)
        doc = _doc(self.dialect)
        if sub is None and (isinstance(node, Present) and top["type"] == "complex"):
            return _json_present((doc, keys), self.dialect)
        if not top["multiValued"]:
            return self.json_test((doc, (*keys, *((sub,) if sub else ()))), node)
        if sub is None:
            raise NotFilterable(f"filtering on {path} is not supported")  # no multi-valued simple attrs
        frm, elem, is_object = _json_objects((doc, keys), self.dialect)
        cond = self.json_test((elem, (sub,)), node)
        return select(literal(1)).select_from(frm).where(is_object, cond).exists()

    def value_path(self, path: AttrPath, inner: Node) -> Expr:
        if path.urn is None and path.attr == "groups":
            return self.member_of(self.node(inner, _group_column))
        loc: Loc = (_doc(self.dialect), (path.urn, path.attr) if path.urn else (path.attr,))
        if not attr_definition(path, self.core)["multiValued"]:
            cond = self.node(inner, lambda sub: (loc[0], (*loc[1], sub)))
            return and_(_json_is_object(loc, self.dialect), cond)
        frm, elem, is_object = _json_objects(loc, self.dialect)
        cond = self.node(inner, lambda sub: (elem, (sub,)))
        return select(literal(1)).select_from(frm).where(is_object, cond).exists()

    def json_test(self, loc: Loc, node: Compare | Present) -> Expr:
        return self.test(_json_text(loc, self.dialect), node, nocase=False, json=True)

    def test(self, x: Expr, node: Compare | Present, *, nocase: bool, fts: str | None = None,
             json: bool = False) -> Expr:
        """``node``'s operator applied to the value expression ``x`` (never ``ne``)."""
        d = compared_definition(node.path, self.core) or attr_definition(node.path, self.core)
        is_string = d["type"] in ("string", "reference", "binary", "dateTime")
        if isinstance(node, Present):
            return _nonempty(x, is_string)
        op, v = node.op, node.value
        if isinstance(v, bool):
            if self.dialect == "postgresql":
                return x == ("true" if v else "false") if json else x == literal(v)
            return x == int(v)
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
        if self.dialect == "postgresql" and op != "eq":  # code-point order, like SQLite and Python
            x = collate(x, "C")
        if op == "sw":
            return and_(x >= v, x < v + MAX_CHAR)
        return _ORDER[op](x, v)

    @staticmethod
    def member_of(cond: Expr) -> Expr:
        """The users in a group for which ``cond`` (on ``groups``) holds: on the group_members indexes."""
        joined = group_members.join(groups, groups.c.pk == group_members.c.group_pk)
        return users.c.pk.in_(select(group_members.c.user_pk).select_from(joined).where(cond))

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


def _group_column(sub: str) -> Expr:
    """The ``groups`` column a sub-attribute of a user's ``groups`` is compared on."""
    if sub == "value":
        return groups.c.id
    if sub == "display":
        return groups.c.display_name
    if sub == "type":
        return literal("direct")
    raise NotFilterable(f"filtering on groups.{sub} is not supported")


_ORDER: dict[str, Callable[[Any, Any], Expr]] = {
    "eq": lambda x, v: x == v,
    "gt": lambda x, v: x > v,
    "ge": lambda x, v: x >= v,
    "lt": lambda x, v: x < v,
    "le": lambda x, v: x <= v,
}


def compile_filter(node: Node, dialect_name: str = "sqlite") -> Expr:
    """A WHERE condition on ``users`` selecting the users that match the parsed filter ``node``.

    Raises :class:`NotFilterable` for attributes that cannot be filtered on.
    """
    return _Compiler(dialect_name).node(node, None)


def manager_is(manager: str, dialect_name: str = "sqlite") -> Expr:
    """The users whose manager is ``manager`` (on the ``manager_id`` index), as ``manager.value eq`` finds them."""
    return compile_filter(Compare(_MANAGER, "eq", manager), dialect_name)
