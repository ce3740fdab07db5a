"""Evaluate parsed SCIM filters against resource dicts in Python: PATCH value filters, and the reference the
SQL compilation is tested against. Semantics as in :mod:`roster_tui.server.filters`."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from roster_tui.core.scim import CORE_USER
from roster_tui.server.filters import (
    And,
    AttrPath,
    Compare,
    Node,
    Not,
    Or,
    Present,
    Value,
    ValuePath,
    attr_definition,
    compared_definition,
)


def _get(d: Any, key: str) -> Any:
    if not isinstance(d, dict):
        return None
    if key in d:
        return d[key]
    low = key.lower()
    return next((v for k, v in d.items() if isinstance(k, str) and k.lower() == low), None)


def _values(path: AttrPath, resource: dict[str, Any], elem: tuple[AttrPath | None, Any] | None,
            compare: bool, core: str) -> list[Any]:
    """The values at ``path``: one per element of a multi-valued attribute."""
    sub = path.sub
    if sub is None and compare and attr_definition(path, core)["type"] == "complex":
        sub = "value"
    if elem is not None and (elem[0] is None or (elem[0].urn, elem[0].attr) == (path.urn, path.attr)):
        return [_get(elem[1], sub)] if sub else [elem[1]]
    top = _get(_get(resource, path.urn) if path.urn else resource, path.attr)
    if sub is None:
        return list(top) if isinstance(top, list) and compare else [top]
    items = top if isinstance(top, list) else [top]
    return [_get(item, sub) for item in items if isinstance(item, dict)]


def _present(v: Any) -> bool:
    """Non-empty (RFC 7644 ``pr``); a list or object needs a member that is not null, "", [] or {}."""
    members = v.values() if isinstance(v, dict) else v if isinstance(v, list) else [v]
    return any(x is not None and x != "" and x != [] and x != {} for x in members)


_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le,
    "co": lambda a, b: b in a, "sw": lambda a, b: a.startswith(b), "ew": lambda a, b: a.endswith(b),
}


def _compare(v: Any, op: str, target: Value, definition: dict[str, Any]) -> bool:
    if isinstance(target, bool):
        return isinstance(v, bool) and v == target
    if isinstance(target, str):
        if not isinstance(v, str):
            return False
        if not definition.get("caseExact", True):
            v, target = v.lower(), target.lower()
    elif isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return _PY_OPS[op](v, target)


def _eval(node: Node, resource: dict[str, Any], elem: tuple[AttrPath | None, Any] | None, core: str) -> bool:
    match node:
        case And(left, right):
            return _eval(left, resource, elem, core) and _eval(right, resource, elem, core)
        case Or(left, right):
            return _eval(left, resource, elem, core) or _eval(right, resource, elem, core)
        case Not(inner):
            return not _eval(inner, resource, elem, core)
        case Present(path):
            return any(_present(v) for v in _values(path, resource, elem, False, core))
        case Compare(path, op, value):
            d = compared_definition(path, core) or {}
            found = any(_compare(v, "eq" if op == "ne" else op, value, d)
                        for v in _values(path, resource, elem, True, core))
            return not found if op == "ne" else found
        case ValuePath(path, inner):
            top = _values(path, resource, None, False, core)[0]
            items = top if isinstance(top, list) else [top]
            return any(_eval(inner, resource, (path, item), core) for item in items if isinstance(item, dict))
    raise TypeError(node)


def matches(node: Node, resource: dict[str, Any], core: str = CORE_USER) -> bool:
    """Evaluate a parsed filter against a SCIM resource (a dict as returned by the API).

    String comparisons follow the schema's ``caseExact``; a multi-valued attribute matches if any value
    does; ``ne`` and ``not`` are true when the attribute is absent.
    """
    return _eval(node, resource, None, core)


def element_matches(value_filter: Node, element: dict[str, Any], core: str = CORE_USER) -> bool:
    """Evaluate the filter of a value path (``PatchPath.value_filter``) against one value of the attribute."""
    return _eval(value_filter, {}, (None, element), core)
