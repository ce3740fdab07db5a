"""SCIM filters (RFC 7644 §3.4.2.2), PATCH paths and attribute lists: a recursive-descent parser.
(:mod:`roster_tui.server.filter_eval` evaluates parsed filters in Python.)

Attribute names are resolved against :mod:`roster_tui.server.schemas` and normalised to their canonical
spelling; core attributes carry ``urn=None``, extension attributes their schema URN. Extension attributes
must be URN-qualified. Paths are resolved against the core schema of one resource type (``core``: the User
schema, or the Group schema for /Groups); ``urn=None`` means that core schema. ``ne`` is ``not eq``: it also
matches resources where the attribute is absent, and for multi-valued attributes it means "no value equals".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from roster_tui.core.scim import CORE_USER
from roster_tui.server.errors import ScimError, invalid_filter, invalid_path, invalid_value
from roster_tui.server.schemas import ATTRS_BY_SCHEMA, CORE_GROUP, EXTENSIONS, attr, sub_attrs

MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 32
MAX_COMPARISONS = 64

Op = Literal["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
Value = str | int | float | bool
OPERATORS = frozenset(("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"))
_STRINGS = frozenset(("string", "reference", "binary", "dateTime"))

#: Attributes every resource has (RFC 7643 §3.1), addressable without a schema URN.
COMMON_ATTRS: dict[str, dict[str, Any]] = {
    "id": attr("id", case_exact=True, mutability="readOnly"),
    "externalid": attr("externalId", case_exact=True),
    "meta": attr("meta", "complex", mutability="readOnly", sub=[
        attr("created", "dateTime"), attr("lastModified", "dateTime"), attr("version", case_exact=True),
        attr("resourceType", case_exact=True), attr("location", "reference", case_exact=True)]),
}
#: The schema URNs a path may name, per resource type (its core schema and its extensions).
_URNS = {CORE_USER: {urn.lower(): urn for urn in (CORE_USER, *EXTENSIONS)},
         CORE_GROUP: {CORE_GROUP.lower(): CORE_GROUP}}
_NAME = re.compile(r"[A-Za-z0-9_$:.\-]+")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
#: What no stored string holds: NUL (PostgreSQL text cannot) and lone surrogates (not Unicode text at all).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class AttrPath:
    """``urn:…:attr.sub``; ``urn`` is ``None`` for core and common attributes."""

    urn: str | None
    attr: str
    sub: str | None = None

    def __str__(self) -> str:
        name = f"{self.attr}.{self.sub}" if self.sub else self.attr
        return f"{self.urn}:{name}" if self.urn else name


@dataclass(frozen=True, slots=True)
class Compare:
    path: AttrPath
    op: Op
    value: Value


@dataclass(frozen=True, slots=True)
class Present:
    path: AttrPath


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class ValuePath:
    """``attr[filter]``: true if one value of the complex attribute ``path`` matches ``filter`` (whose
    paths are fully qualified: ``emails[type eq "work"]`` holds ``AttrPath(None, "emails", "type")``)."""

    path: AttrPath
    filter: Node


Node = Compare | Present | And | Or | Not | ValuePath


@dataclass(frozen=True, slots=True)
class PatchPath:
    """A PATCH ``path``. ``value_filter`` (if any) selects values of the complex attribute ``attr.attr``;
    ``attr.sub`` is the sub-attribute targeted, for ``name.givenName`` and ``emails[…].value`` alike."""

    attr: AttrPath
    value_filter: Node | None = None


def attr_definition(path: AttrPath, core: str = CORE_USER) -> dict[str, Any]:
    """The schema definition of the attribute (or sub-attribute) ``path`` names (``urn=None``: in ``core``)."""
    top = ATTRS_BY_SCHEMA[path.urn or core].get(path.attr.lower()) or COMMON_ATTRS[path.attr.lower()]
    return sub_attrs(top)[path.sub.lower()] if path.sub else top


def compared_definition(path: AttrPath, core: str = CORE_USER) -> dict[str, Any] | None:
    """The definition the values of ``path`` are compared as: a complex attribute compares its ``value``."""
    d = attr_definition(path, core)
    return sub_attrs(d).get("value") if d["type"] == "complex" else d


class _Parser:
    def __init__(self, text: str, error: Callable[[str], ScimError], core: str = CORE_USER) -> None:
        self.text, self.pos, self.depth, self.count = text, 0, 0, 0
        self.error = error
        self.core = core
        self.parent: AttrPath | None = None  # inside a value filter

    def fail(self, what: str, pos: int | None = None) -> ScimError:
        return self.error(f"{what} at position {self.pos if pos is None else pos}")

    def peek(self) -> str:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def near(self) -> str:
        return repr(self.text[self.pos:self.pos + 12]) if self.pos < len(self.text) else "end of input"

    def word(self) -> str:
        self.peek()
        m = _NAME.match(self.text, self.pos)
        return m.group() if m else ""

    def keyword(self, kw: str) -> bool:
        w = self.word()
        if w.lower() == kw:
            self.pos += len(w)
            return True
        return False

    def group(self, close: str, inner: Callable[[], Node]) -> Node:
        """``(…)`` or ``[…]``: the nesting depth is checked before recursing."""
        if self.depth >= MAX_DEPTH:
            raise self.fail(f"filter nests deeper than {MAX_DEPTH} levels")
        self.depth += 1
        self.pos += 1
        node = inner()
        if self.peek() != close:
            raise self.fail(f"expected {close!r}, found {self.near()}")
        self.pos += 1
        self.depth -= 1
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.keyword("or"):
            node = Or(node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while self.keyword("and"):
            node = And(node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        if self.peek() == "(":
            return self.group(")", self.parse_or)
        start = self.pos
        if self.keyword("not"):
            if self.peek() != "(":
                raise self.fail("expected '(' after 'not'")
            return Not(self.parse_unary())
        self.pos = start
        path = self.parse_attr_path()
        if self.text.startswith("[", self.pos):
            value_path = self.parse_value_filter(path)
            if not self.text.startswith(".", self.pos):
                return value_path
            # emails[type eq "work"].value eq "x", as Microsoft Entra ID documents it: one value matching both
            self.pos, self.parent = self.pos + 1, path
            compared = self.parse_comparison(self.parse_attr_path())
            self.parent = None
            return ValuePath(path, And(value_path.filter, compared))
        return self.parse_comparison(path)

    def parse_value_filter(self, path: AttrPath) -> ValuePath:
        if self.parent is not None:
            raise self.fail("value filters cannot be nested")
        if path.sub or attr_definition(path, self.core)["type"] != "complex":
            raise self.fail(f"a value filter needs a complex attribute; {path} is not one")
        self.parent = path
        node = self.group("]", self.parse_or)
        self.parent = None
        return ValuePath(path, node)

    def parse_comparison(self, path: AttrPath) -> Node:
        self.count += 1
        if self.count > MAX_COMPARISONS:
            raise self.fail(f"filter has more than {MAX_COMPARISONS} comparisons")
        op = self.word().lower()
        op_pos = self.pos
        if op == "pr":
            self.pos += 2
            return Present(path)
        if op not in OPERATORS:
            found = repr(op) if op else self.near()
            raise self.fail(f"expected an operator (eq ne co sw ew pr gt ge lt le) after {path}, "
                            f"found {found}", op_pos if op else None)
        self.pos += len(op)
        value_pos = self.pos
        value = self.parse_value()
        check_comparison(path, op, value, lambda what: self.fail(what, value_pos), self.core)
        return Compare(path, op, value)

    def parse_value(self) -> Value | None:
        c = self.peek()
        if c == '"':
            try:
                value, self.pos = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as e:
                msg = "unterminated string" if e.msg.startswith("Unterminated") else f"bad string: {e.msg}"
                raise self.fail(msg, e.pos) from None
            bad = _UNSTORABLE.search(value)
            if bad:  # no stored value holds one: SQLite would match on it, PostgreSQL refuse it
                what = "a NUL character" if bad.group() == "\x00" else f"a lone surrogate (\\u{ord(bad.group()):04x})"
                raise self.fail(f"the string contains {what}, which no value can hold", self.pos - 1)
            return value
        if c == "-" or c.isdigit():
            m = _NUMBER.match(self.text, self.pos)
            if not m:
                raise self.fail(f"invalid number {self.near()}")
            self.pos = m.end()
            return float(m.group()) if any(ch in m.group() for ch in ".eE") else int(m.group())
        w = self.word().lower()
        if w in ("true", "false", "null"):
            self.pos += len(w)
            return {"true": True, "false": False, "null": None}[w]
        raise self.fail(f"expected a value (a JSON string, number, true or false), found {self.near()}")

    def parse_attr_path(self) -> AttrPath:
        start = self.pos
        token = self.word()
        if not token:
            raise self.fail(f"expected an attribute name, found {self.near()}")
        self.pos += len(token)
        try:
            return resolve_path(token, self.parent, self.core)
        except LookupError as e:
            raise self.fail(str(e.args[0]), start) from None


def resolve_path(token: str, parent: AttrPath | None = None, core: str = CORE_USER) -> AttrPath:
    """``AttrPath`` for ``[urn:]attr[.sub]`` (or a sub-attribute name of ``parent``), canonically spelled,
    in the resource type whose core schema is ``core``.

    Raises ``LookupError`` with a message if the path names nothing the service knows.
    """
    if parent is not None:
        subs = sub_attrs(attr_definition(parent, core))
        d = subs.get(token.lower())
        if d is None:
            raise LookupError(f"unknown sub-attribute {token!r} of {parent}")
        return AttrPath(parent.urn, parent.attr, d["name"])
    urn: str | None = None
    name = token
    if token.lower().startswith("urn:"):
        cut = token.rfind(":")
        urn = _URNS[core].get(token[:cut].lower())
        if urn is None:
            raise LookupError(f"unknown schema URN {token[:cut]!r}")
        name = token[cut + 1:]
        if urn == core:
            urn = None
    parts = name.split(".")
    if len(parts) > 2 or not all(parts):
        raise LookupError(f"invalid attribute path {token!r}")
    top = ATTRS_BY_SCHEMA[urn or core].get(parts[0].lower())
    if top is None and urn is None:
        top = COMMON_ATTRS.get(parts[0].lower())
    if top is None:
        ext = next((u for u in _URNS[core].values() if urn is None and parts[0].lower() in ATTRS_BY_SCHEMA[u]),
                   None)
        hint = f" (did you mean '{ext}:{parts[0]}'?)" if ext else ""
        raise LookupError(f"unknown attribute {parts[0]!r}{hint}")
    if len(parts) == 1:
        return AttrPath(urn, top["name"])
    sub = sub_attrs(top).get(parts[1].lower())
    if sub is None:
        raise LookupError(f"unknown sub-attribute {parts[1]!r} of {top['name']!r}")
    return AttrPath(urn, top["name"], sub["name"])


def check_comparison(path: AttrPath, op: str, value: Value | None,
                     fail: Callable[[str], ScimError] = invalid_filter, core: str = CORE_USER) -> None:
    """Reject comparisons the attribute's type does not support."""
    if value is None:
        raise fail(f"cannot compare {path} with null; use 'not ({path} pr)'")
    d = compared_definition(path, core)
    if d is None:
        raise fail(f"{path} is a complex attribute; compare one of its sub-attributes")
    t = d["type"]
    if t == "boolean":
        if not isinstance(value, bool):
            raise fail(f"{path} is a boolean; compare it with true or false")
        if op not in ("eq", "ne"):
            raise fail(f"operator {op!r} is not supported for boolean attribute {path}")
    elif t in _STRINGS:
        if not isinstance(value, str):
            raise fail(f"{path} is a string; compare it with a quoted string")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{path} is a number; compare it with a number")
    elif op in ("co", "sw", "ew"):
        raise fail(f"operator {op!r} is not supported for numeric attribute {path}")


def _parse(text: str, error: Callable[[str], ScimError], what: str, core: str) -> _Parser:
    if not isinstance(text, str):
        raise error(f"{what} must be a string")
    if len(text) > MAX_FILTER_LENGTH:
        raise error(f"{what} is longer than {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        raise error(f"{what} is empty")
    return _Parser(text, error, core)


def parse_filter(text: str, core: str = CORE_USER) -> Node:
    """Parse a SCIM filter; raises an ``invalidFilter`` ``ScimError`` saying what is wrong and where."""
    p = _parse(text, invalid_filter, "filter", core)
    node = p.parse_or()
    if p.peek():
        raise p.fail(f"unexpected {p.near()}")
    return node


def parse_path(text: str, core: str = CORE_USER) -> PatchPath:
    """Parse a PATCH ``path`` (``attr``, ``attr.sub``, ``attr[filter]``, ``attr[filter].sub``).

    Bad paths raise ``invalidPath``; a bad filter inside the brackets raises ``invalidFilter``.
    """
    p = _parse(text, invalid_path, "path", core)
    path = p.parse_attr_path()
    node: Node | None = None
    if p.text.startswith("[", p.pos):
        if path.sub or attr_definition(path, core)["type"] != "complex":
            raise p.fail(f"a value filter needs a complex attribute; {path} is not one")
        p.error = invalid_filter
        node = p.parse_value_filter(path).filter
        p.error = invalid_path
        if p.text.startswith(".", p.pos):
            p.pos, p.parent = p.pos + 1, path
            path = p.parse_attr_path()
    if p.peek():
        raise p.fail(f"unexpected {p.near()}")
    return PatchPath(path, node)


def parse_attribute_list(text: str, param: str = "attributes", core: str = CORE_USER) -> list[AttrPath]:
    """Parse a comma-separated ``attributes``/``excludedAttributes``/``sortBy`` value (``invalidValue``)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_value(f"{param} is longer than {MAX_FILTER_LENGTH} characters")
    out: list[AttrPath] = []
    for item in text.split(","):
        token = item.strip()
        if not token:
            continue
        if not _NAME.fullmatch(token):
            raise invalid_value(f"invalid attribute path {token!r} in {param}")
        try:
            path = resolve_path(token, None, core)
        except LookupError as e:
            raise invalid_value(f"{e.args[0]} in {param}") from None
        if path not in out:
            out.append(path)
    return out
