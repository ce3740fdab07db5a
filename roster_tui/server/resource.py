"""Validate incoming SCIM User documents against the published schemas."""

from __future__ import annotations

import re
from typing import Any

from roster_tui.core.models import ADMIN_ROLES
from roster_tui.core.scim import CORE_USER, ROSTER_USER
from roster_tui.core.validation import email_error
from roster_tui.server.errors import invalid_syntax, invalid_value
from roster_tui.server.schemas import ATTRS_BY_SCHEMA, EXTENSIONS, MAX_STRING, sub_attrs

_URNS = {urn.lower(): urn for urn in (CORE_USER, *EXTENSIONS)}
_ROLES = {r.lower(): r for r in ADMIN_ROLES}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # and lone surrogates
_IGNORED_TOP = {"id", "meta", "schemas"}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_BOOLEANS = {"true": True, "false": False}
#: Longer limits than MAX_STRING: URLs, and base64 DER certificates.
_LIMITS = {"reference": 2048, "binary": 16 * 1024}
#: Extension attributes by name, for clients that send them unqualified (Microsoft Entra ID's examples do).
_UNQUALIFIED = {name: urn for urn in EXTENSIONS for name in ATTRS_BY_SCHEMA[urn]
                if name not in ATTRS_BY_SCHEMA[CORE_USER]}


def canonical_urn(key: str) -> str | None:
    return _URNS.get(key.lower())


def foreign_urn(key: str) -> bool:
    """Whether ``key`` names a schema extension this service does not define, or a path into one (Entra ID
    sends its own, ``urn:…:Microsoft:Entra:2.0:User``): such values belong to the sender and are ignored."""
    lowered = key.strip().lower()
    return lowered.startswith("urn:") and not any(lowered == urn or lowered.startswith(urn + ":") for urn in _URNS)


def extension_of(name: str) -> str | None:
    """The extension whose attribute an unqualified ``name`` is (``manager``: the enterprise one), if any."""
    return _UNQUALIFIED.get(name.lower())


def check_string(where: str, value: Any, limit: int = MAX_STRING) -> str:
    """``value`` if it is a string of at most ``limit`` characters with no control character; else 400."""
    if not isinstance(value, str):
        raise invalid_value(f"{where} must be a string, not {type(value).__name__}")
    if len(value) > limit:
        raise invalid_value(f"{where} is longer than {limit} characters")
    if _CONTROL.search(value):
        raise invalid_value(f"{where} contains a control character")
    return value


def _check_value(where: str, definition: dict[str, Any], value: Any) -> Any:
    """Check one (single) value against its definition; returns the canonical value or None to drop it."""
    kind = definition["type"]
    if value is None:
        return None
    if kind == "complex":
        if not isinstance(value, dict):
            raise invalid_value(f"{where} must be an object")
        return _check_complex(where, definition, value)
    if kind == "boolean":
        if isinstance(value, str) and value.lower() in _BOOLEANS:  # "False", as Entra ID sends it
            return _BOOLEANS[value.lower()]
        if not isinstance(value, bool):
            raise invalid_value(f"{where} must be true or false")
        return value
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid_value(f"{where} must be an integer")
        return value
    text = check_string(where, value, _LIMITS.get(kind, MAX_STRING))
    if text == "":
        return None
    if kind == "dateTime" and not _DATETIME.match(text):
        raise invalid_value(f"{where} must be an xsd:dateTime such as 2026-01-31T09:00:00Z")
    return text


def _check_complex(where: str, definition: dict[str, Any], value: dict[str, Any]) -> dict[str, Any] | None:
    subs = sub_attrs(definition)
    out: dict[str, Any] = {}
    for key, sub_value in value.items():
        sub_def = subs.get(key.lower())
        if sub_def is None:
            raise invalid_syntax(f"unknown attribute '{where}.{key}'")
        if sub_def["mutability"] == "readOnly":
            continue
        checked = _check_value(f"{where}.{sub_def['name']}", sub_def, sub_value)
        if checked is not None:
            out[sub_def["name"]] = checked
    return out or None


def _single_complex(definition: dict[str, Any], value: Any) -> Any:
    """A single-valued complex value as Entra ID sends a manager: a list of one, or the bare ``value``."""
    if isinstance(value, list) and len(value) <= 1:
        value = value[0] if value else None
    if isinstance(value, str) and "value" in sub_attrs(definition):
        value = {"value": value}
    return value


def _check_attribute(where: str, definition: dict[str, Any], value: Any) -> Any:
    if not definition["multiValued"]:
        if definition["type"] == "complex":
            value = _single_complex(definition, value)
        if isinstance(value, list):
            raise invalid_value(f"{where} takes a single value, not a list")
        return _check_value(where, definition, value)
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out = [v for v in (_check_value(where, definition, item) for item in items) if v is not None]
    if sum(1 for v in out if isinstance(v, dict) and v.get("primary") is True) > 1:
        raise invalid_value(f"{where}: at most one value may be primary")
    deduped: list[Any] = []
    for v in out:
        if v not in deduped:
            deduped.append(v)
    return deduped or None


def _check_object(where: str, urn: str, value: dict[str, Any], doc: dict[str, Any]) -> None:
    attrs = ATTRS_BY_SCHEMA[urn]
    for key, attr_value in value.items():
        if key.lower() == "schemas" and urn != CORE_USER:  # an extension object may carry its own schemas
            continue
        definition = attrs.get(key.lower())
        if definition is None:
            raise invalid_syntax(f"unknown attribute '{where}{key}'")
        if definition["mutability"] == "readOnly":  # RFC 7643 §2.2: ignored on input
            continue
        checked = _check_attribute(f"{where}{definition['name']}", definition, attr_value)
        if checked is not None and definition["returned"] != "never":  # a password: checked, never kept
            doc[definition["name"]] = checked


def validate_user(body: Any) -> dict[str, Any]:
    """Check a User body and return its canonical document (no id/meta, read-only attributes dropped).

    Attribute names are matched case-insensitively and written in their canonical spelling; empty strings
    and nulls are treated as unassigned. Business rules (required fields, roles) are checked too.
    """
    if not isinstance(body, dict):
        raise invalid_syntax("the request body must be a JSON object")
    schemas = body.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list) or CORE_USER.lower() not in {str(s).lower() for s in schemas}
    ):
        raise invalid_syntax(f"'schemas' must list {CORE_USER}")
    doc: dict[str, Any] = {}
    core: dict[str, Any] = {}
    qualified: dict[str, dict[str, Any]] = {}
    unqualified: dict[str, dict[str, Any]] = {}  # extension attributes sent at the top (Entra ID's examples)
    for key, value in body.items():
        lowered = key.lower()
        if lowered in _IGNORED_TOP:
            continue
        if lowered == "externalid":
            checked = _check_value("externalId", {"type": "string"}, value)
            if checked is not None:
                doc["externalId"] = checked
            continue
        urn = canonical_urn(key)
        if urn is None and foreign_urn(key):
            continue
        if urn == CORE_USER:
            if not isinstance(value, dict):
                raise invalid_value(f"'{key}' must be an object")
            core.update(value)
        elif urn is not None:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise invalid_value(f"'{urn}' must be an object")
            qualified.setdefault(urn, {}).update(value)
        elif lowered not in ATTRS_BY_SCHEMA[CORE_USER] and (home := extension_of(key)):
            unqualified.setdefault(home, {})[key] = value
        else:
            core[key] = value
    for urn in EXTENSIONS:  # a qualified value comes last, so it wins over an unqualified one
        ext: dict[str, Any] = {}
        _check_object(f"{urn}:", urn, {**unqualified.get(urn, {}), **qualified.get(urn, {})}, ext)
        if ext:
            doc[urn] = ext
    _check_object("", CORE_USER, core, doc)
    _apply_rules(doc)
    return {"schemas": [CORE_USER, *(urn for urn in EXTENSIONS if urn in doc)], **doc}


def keep_server_managed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Carry the read-only, server-managed parts (training assignments) of ``old`` into ``new``."""
    assignments = (old.get(ROSTER_USER) or {}).get("trainingAssignments")
    if assignments:
        new.setdefault(ROSTER_USER, {})["trainingAssignments"] = assignments
        if ROSTER_USER not in new["schemas"]:
            new["schemas"] = [*new["schemas"], ROSTER_USER]
    return new


def _apply_rules(doc: dict[str, Any]) -> None:
    """Roster rules beyond the schema types: required fields, email syntax, the role catalog."""
    if not doc.get("userName"):
        raise invalid_value("userName is required")
    name = doc.get("name") or {}
    for part, label in (("givenName", "first name"), ("familyName", "last name")):
        if not name.get(part):
            raise invalid_value(f"name.{part} ({label}) is required")
    if not doc.get("emails"):
        if "@" not in doc["userName"]:
            raise invalid_value("emails is required: give at least one email address")
        doc["emails"] = [{"value": doc["userName"], "type": "work", "primary": True}]
    for email in doc["emails"]:
        if not email.get("value"):
            raise invalid_value("emails.value is required")
        problem = email_error(email["value"])
        if problem:
            raise invalid_value(f"emails.value: {problem}")
    for role in doc.get("roles") or []:
        value = role.get("value")
        canonical = _ROLES.get(str(value).lower()) if value else None
        if canonical is None:
            raise invalid_value(f"roles.value '{value}' is not an admin role; known roles: {', '.join(ADMIN_ROLES)}")
        role["value"] = canonical

