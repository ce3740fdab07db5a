"""PATCH (RFC 7644 §3.5.2): add, replace and remove on a User document, value paths included.

Operations work on a copy of the stored document; the result is validated as a whole afterwards, so this
module only moves values around and reports targets that do not exist.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from roster_tui.core.scim import CORE_USER
from roster_tui.server.errors import invalid_path, invalid_syntax, invalid_value, mutability, no_target
from roster_tui.server.filter_eval import element_matches
from roster_tui.server.filters import AttrPath, Compare, parse_path
from roster_tui.server.patch_op import operations
from roster_tui.server.resource import canonical_urn, extension_of, foreign_urn
from roster_tui.server.schemas import ATTRS_BY_SCHEMA, sub_attrs

READ_ONLY_TOP = {"id", "meta", "schemas"}
_HEAD = re.compile(r"[A-Za-z0-9_$-]+")


def _qualified(path_text: str) -> str:
    """``path_text`` with the URN of the extension whose attribute it names unqualified (Entra ID's ``manager``)."""
    text = path_text.strip()
    head = _HEAD.match(text)
    if head is None or text.lower().startswith("urn:"):
        return text
    name = head.group().lower()
    urn = None if name in ATTRS_BY_SCHEMA[CORE_USER] or name in READ_ONLY_TOP | {"externalid"} \
        else extension_of(name)
    return f"{urn}:{text}" if urn else text


def _is_path(key: str) -> bool:
    """Whether a key of a path-less operation's value is a path (``name.givenName``, ``urn:…:employeeNumber``,
    ``emails[type eq "work"].value``), as Entra ID sends them, rather than an attribute or extension name."""
    if canonical_urn(key.strip()) is not None:
        return False
    return key.strip().lower().startswith("urn:") or "." in key or "[" in key


def _definition(urn: str | None, attr: str) -> dict[str, Any]:
    return ATTRS_BY_SCHEMA[urn or CORE_USER][attr.lower()]


def _container(doc: dict[str, Any], urn: str | None, create: bool) -> dict[str, Any] | None:
    if urn is None or urn == CORE_USER:
        return doc
    if create:
        return doc.setdefault(urn, {})
    return doc.get(urn)


def _merge(existing: Any, value: Any, definition: dict[str, Any], op: str) -> Any:
    """The new value of an attribute after ``add``/``replace`` of ``value`` onto ``existing``."""
    if definition["multiValued"]:
        items = value if isinstance(value, list) else [value]
        if op == "replace" or not isinstance(existing, list):
            return items
        if any(isinstance(i, dict) and i.get("primary") is True for i in items):
            existing = [{**e, "primary": False} if isinstance(e, dict) and e.get("primary") else e
                        for e in existing]
        return existing + [i for i in items if i not in existing]
    if definition["type"] == "complex" and isinstance(value, dict) and isinstance(existing, dict):
        return {**existing, **value}  # sub-attributes not given are left unchanged (§3.5.2.3)
    return value


def _set_attribute(doc: dict[str, Any], key: str, value: Any, op: str) -> None:
    """Apply add/replace of one top-level key (attribute or extension URN) of a path-less operation."""
    urn = canonical_urn(key)
    if urn is None and foreign_urn(key):  # another schema's values: the sender's, not the service's
        return
    if urn == CORE_USER:
        if not isinstance(value, dict):
            raise invalid_value(f"'{key}' must be an object")
        for k, v in value.items():
            _set_attribute(doc, k, v, op)
        return
    if urn is not None:
        if not isinstance(value, dict):
            raise invalid_value(f"'{urn}' must be an object")
        ext = doc.setdefault(urn, {})
        for k, v in value.items():
            if k.lower() == "schemas":  # some clients send an extension object with its own schemas
                continue
            definition = ATTRS_BY_SCHEMA[urn].get(k.lower())
            if definition is None:
                raise invalid_syntax(f"unknown attribute '{urn}:{k}'")
            ext[definition["name"]] = _merge(ext.get(definition["name"]), v, definition, op)
        return
    if key.lower() in READ_ONLY_TOP:  # a whole resource as the value: its id, meta and schemas are ignored
        return
    if key.lower() == "externalid":
        doc["externalId"] = value
        return
    definition = ATTRS_BY_SCHEMA[CORE_USER].get(key.lower())
    if definition is None and extension_of(key):
        _set_attribute(doc, extension_of(key) or "", {key: value}, op)
        return
    if definition is None:
        raise invalid_syntax(f"unknown attribute '{key}'")
    doc[definition["name"]] = _merge(doc.get(definition["name"]), value, definition, op)


def _new_element_from_filter(node: Any) -> dict[str, Any] | None:
    """For ``add`` on ``emails[type eq "work"].value`` with no match (as Azure AD sends): the new element."""
    if isinstance(node, Compare) and node.op == "eq" and node.path.sub:
        return {node.path.sub: node.value}
    left, right = getattr(node, "left", None), getattr(node, "right", None)
    if type(node).__name__ == "And" and left is not None and right is not None:
        a, b = _new_element_from_filter(left), _new_element_from_filter(right)
        if a is not None and b is not None:
            return {**a, **b}
    return None


def _apply_path(doc: dict[str, Any], op: str, path_text: str, value: Any) -> None:
    path_text = _qualified(path_text)
    if foreign_urn(path_text):  # an attribute of a schema the service does not define: not its to keep
        return
    whole = canonical_urn(path_text)
    if whole is not None and whole != CORE_USER:  # the path names a whole extension
        if op == "remove":
            doc.pop(whole, None)
        else:
            _set_attribute(doc, whole, value, op)
        return
    if path_text.strip().lower() in READ_ONLY_TOP:
        raise mutability(f"'{path_text}' cannot be changed")
    patch_path = parse_path(path_text)
    attr_path = patch_path.attr
    urn = attr_path.urn
    if urn is None and attr_path.attr.lower() in READ_ONLY_TOP:
        raise mutability(f"'{attr_path.attr}' cannot be changed")
    if urn is None and attr_path.attr == "externalId":
        if op == "remove":
            doc.pop("externalId", None)
        else:
            doc["externalId"] = value
        return
    definition = _definition(urn, attr_path.attr)
    sub = attr_path.sub
    if definition["mutability"] == "readOnly":
        raise mutability(f"'{attr_path.attr}' is read-only")
    if sub is not None and sub_attrs(definition).get(sub.lower(), {}).get("mutability") == "readOnly":
        raise mutability(f"'{attr_path.attr}.{sub}' is read-only")
    container = _container(doc, urn, create=op != "remove")
    name = definition["name"]
    if patch_path.value_filter is not None:
        _apply_filtered(container, AttrPath(urn, name), definition, patch_path.value_filter, sub, op, value,
                        path_text)
        return
    if container is None:
        return
    if sub is None:
        if op == "remove":
            container.pop(name, None)
        else:
            container[name] = _merge(container.get(name), value, definition, op)
        return
    current = container.get(name)
    if definition["multiValued"]:  # e.g. "emails.type": every value's sub-attribute
        for item in current or []:
            if isinstance(item, dict):
                if op == "remove":
                    item.pop(sub, None)
                else:
                    item[sub] = value
        return
    if op == "remove":
        if isinstance(current, dict):
            current.pop(sub, None)
        return
    if not isinstance(current, dict):
        current = container[name] = {}
    current[sub] = value


def _apply_filtered(container: dict[str, Any] | None, path: AttrPath, definition: dict[str, Any], node: Any,
                    sub: str | None, op: str, value: Any, path_text: str) -> None:
    if not definition["multiValued"]:
        raise invalid_path(f"'{path_text}': a value filter needs a multi-valued attribute")
    name = path.attr
    items = (container or {}).get(name) or []
    hits = [i for i in items if isinstance(i, dict) and element_matches(node, i)]
    if not hits:
        element = _new_element_from_filter(node) if op == "add" else None
        if element is None or container is None:
            raise no_target(f"no value matches '{path_text}'")
        if sub is not None:
            element[sub] = value
        elif isinstance(value, dict):
            element.update(value)
        container[name] = [*items, element]
        return
    if op == "remove":
        if sub is None:
            container[name] = [i for i in items if not any(i is h for h in hits)]  # type: ignore[index]
        else:
            for h in hits:
                h.pop(sub, None)
        return
    for h in hits:
        if sub is not None:
            h[sub] = value
        elif isinstance(value, dict):
            if op == "replace":
                h.clear()
            h.update(value)
        else:
            raise invalid_value(f"'{path_text}' needs an object value")


def apply_patch(doc: dict[str, Any], body: Any) -> dict[str, Any]:
    """Return a patched copy of ``doc`` for a PatchOp request ``body``."""
    result = copy.deepcopy(doc)
    for operation in operations(body):
        if operation.path is None:
            for key, v in operation.value.items():
                if _is_path(key):
                    _apply_path(result, operation.op, key, v)
                else:
                    _set_attribute(result, key, v, operation.op)
        else:
            _apply_path(result, operation.op, operation.path, operation.value)
    return result
