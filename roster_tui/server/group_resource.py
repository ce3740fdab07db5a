"""Validate incoming SCIM Group documents (RFC 7643 §4.2) against the published Group schema.

A group has a ``displayName`` (required, unique case-insensitively), an optional ``externalId`` and ``members``:
users of the roster, named by ``value`` (their id). ``$ref`` and ``display`` of a member are the service's to
fill in and are ignored on input; ``type``, if given, must be ``User`` (groups do not nest).
"""

from __future__ import annotations

from typing import Any

from roster_tui.server.errors import invalid_syntax, invalid_value
from roster_tui.server.resource import check_string
from roster_tui.server.schemas import CORE_GROUP
from roster_tui.server.storage.base import GroupDoc

_IGNORED = {"id", "meta", "schemas"}
_MEMBER_KEYS = {"value", "$ref", "type", "display"}


def text(where: str, value: Any, *, required: bool = False) -> str | None:
    """A string attribute's value (as a user's are checked); "" or null is unset."""
    if value is None or value == "":
        if required:
            raise invalid_value(f"{where} is required")
        return None
    checked = check_string(where, value)
    if required and not checked.strip():
        raise invalid_value(f"{where} is required")
    return checked


def member_ids(value: Any, where: str = "members") -> tuple[str, ...]:
    """The user ids of a ``members`` value (a list of member objects, or one), in order, without repeats."""
    if value is None:
        return ()
    ids: dict[str, None] = {}
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, dict):
            raise invalid_value(f"{where}: each member must be an object with a value (a user's id)")
        unknown = [k for k in item if k.lower() not in _MEMBER_KEYS]
        if unknown:
            raise invalid_syntax(f"unknown attribute '{where}.{unknown[0]}'")
        found = {k.lower(): v for k, v in item.items()}
        kind = found.get("type")
        if kind is not None and (not isinstance(kind, str) or kind.lower() != "user"):
            raise invalid_value(f"{where}.type {kind!r}: only users can be members (groups do not nest)")
        user_id = text(f"{where}.value", found.get("value"), required=True)
        ids[user_id] = None  # type: ignore[index]
    return tuple(ids)


def validate_group(body: Any) -> GroupDoc:
    """Check a Group body (POST or PUT) and return what it makes of the group."""
    if not isinstance(body, dict):
        raise invalid_syntax("the request body must be a JSON object")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list)
                                or CORE_GROUP.lower() not in {str(s).lower() for s in schemas}):
        raise invalid_syntax(f"'schemas' must list {CORE_GROUP}")
    # other schemas a client lists (Microsoft Entra ID adds one of its own) are let be, attributes and all
    others = {str(s).lower() for s in schemas or []} - {CORE_GROUP.lower()}
    attributes: dict[str, Any] = {}
    for key, value in body.items():
        lowered = key.lower()
        if lowered == CORE_GROUP.lower() and isinstance(value, dict):
            attributes.update({k.lower(): v for k, v in value.items()})
        elif lowered not in _IGNORED and lowered not in others:
            attributes[lowered] = value
    unknown = [k for k in attributes if k not in ("displayname", "externalid", "members")]
    if unknown:
        raise invalid_syntax(f"unknown attribute '{unknown[0]}'")
    name = text("displayName", attributes.get("displayname"), required=True)
    return GroupDoc(name, text("externalId", attributes.get("externalid")),  # type: ignore[arg-type]
                    member_ids(attributes.get("members")))
