"""What each write means for a user, independent of HTTP: used by the endpoints and by /Bulk."""

from __future__ import annotations

from typing import Any

from roster_tui.core.scim import ENTERPRISE_USER
from roster_tui.server.errors import invalid_value, precondition_failed
from roster_tui.server.patch import apply_patch
from roster_tui.server.resource import keep_server_managed, validate_user
from roster_tui.server.storage.base import StoredUser, Writer


def parse_if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header asks for (None: no condition or ``*``)."""
    if header is None or header.strip() == "*":
        return None
    tag = header.split(",")[0].strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    try:
        return int(tag.strip('"'))
    except ValueError:
        raise precondition_failed(f"If-Match {header!r} does not match any version of this user") from None


def _manager(doc: dict[str, Any]) -> str | None:
    return ((doc.get(ENTERPRISE_USER) or {}).get("manager") or {}).get("value")


def _check_manager(writer: Writer, old: dict[str, Any] | None, new: dict[str, Any], own_id: str | None) -> None:
    manager = _manager(new)
    if manager is None or (old is not None and manager == _manager(old)):
        return
    if manager == own_id:
        raise invalid_value("a user cannot be their own manager")
    if not writer.user_exists(manager):
        raise invalid_value(f"manager '{manager}' is not a user of this roster")


def create_user(writer: Writer, body: Any) -> StoredUser:
    doc = validate_user(body)
    doc.setdefault("active", True)
    _check_manager(writer, None, doc, None)
    return writer.create(doc)


def replace_user(writer: Writer, id: str, body: Any, version: int | None) -> StoredUser:
    new = validate_user(body)

    def mutate(old: dict[str, Any]) -> dict[str, Any]:
        doc = keep_server_managed(old, dict(new))
        if "active" not in doc and "active" in old:  # an omitted status never reactivates anyone
            doc["active"] = old["active"]
        _check_manager(writer, old, doc, id)
        return doc

    return writer.update(id, mutate, version, "replace")


def patch_user(writer: Writer, id: str, body: Any, version: int | None) -> StoredUser:
    def mutate(old: dict[str, Any]) -> dict[str, Any]:
        doc = keep_server_managed(old, validate_user(apply_patch(old, body)))
        _check_manager(writer, old, doc, id)
        return doc

    return writer.update(id, mutate, version, "patch")


def delete_user(writer: Writer, id: str, version: int | None) -> None:
    writer.delete(id, version)
