"""Render stored groups as SCIM Group resources (RFC 7643 §4.2)."""

from __future__ import annotations

from typing import Any

import orjson

from roster_tui.core.scim import LIST_RESPONSE
from roster_tui.server.filters import AttrPath
from roster_tui.server.projection import projector
from roster_tui.server.schemas import CORE_GROUP
from roster_tui.server.storage.base import StoredGroup


def group_dict(rec: StoredGroup, base: str) -> dict[str, Any]:
    """The resource; ``base`` is the service's SCIM base URL. Members appear only if there are any."""
    out: dict[str, Any] = {"schemas": [CORE_GROUP], "id": rec.id}
    if rec.external_id is not None:
        out["externalId"] = rec.external_id
    out["displayName"] = rec.display_name
    if rec.members:
        out["members"] = [{"value": m.id, "$ref": f"{base}/Users/{m.id}", "type": "User",
                           **({"display": m.display} if m.display else {})} for m in rec.members]
    out["meta"] = {"resourceType": "Group", "created": rec.created, "lastModified": rec.last_modified,
                   "version": rec.etag, "location": f"{base}/Groups/{rec.id}"}
    return out


def wants_members(attributes: list[AttrPath] | None, excluded: list[AttrPath] | None) -> bool:
    """Whether a projection keeps ``members`` (if not, they need not be read: Entra ID excludes them)."""
    if attributes:
        return any(p.urn is None and p.attr == "members" for p in attributes)
    return not any(p.urn is None and p.attr == "members" and p.sub is None for p in excluded or [])


def render_group(rec: StoredGroup, base: str, attributes: list[AttrPath] | None,
                 excluded: list[AttrPath] | None) -> bytes:
    resource = group_dict(rec, base)
    return orjson.dumps(projector(attributes, excluded)(resource) if attributes or excluded else resource)


def group_list_bytes(total: int, start_index: int, records: list[StoredGroup], base: str,
                     attributes: list[AttrPath] | None, excluded: list[AttrPath] | None) -> bytes:
    shape = projector(attributes, excluded) if attributes or excluded else None
    resources = [group_dict(r, base) for r in records]
    return orjson.dumps({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start_index,
                         "itemsPerPage": len(records),
                         "Resources": [shape(r) for r in resources] if shape else resources})
