"""Render stored users as SCIM JSON. The hot path splices stored JSON text instead of re-encoding it."""

from __future__ import annotations

from typing import Any

import orjson

from roster_tui.core.scim import LIST_RESPONSE
from roster_tui.server.projection import project
from roster_tui.server.storage.base import StoredUser


def _meta(rec: StoredUser, users_url: str) -> dict[str, Any]:
    return {"resourceType": "User", "created": rec.created, "lastModified": rec.last_modified,
            "version": rec.etag, "location": f"{users_url}/{rec.id}"}


def resource_bytes(rec: StoredUser, users_url: str) -> bytes:
    """The full resource: ``{"id":…,"meta":…,<stored document>}`` without decoding the document."""
    head = orjson.dumps({"id": rec.id, "meta": _meta(rec, users_url)})
    return head[:-1] + b"," + rec.doc[1:].encode()


def resource_dict(rec: StoredUser, users_url: str) -> dict[str, Any]:
    return {"id": rec.id, **orjson.loads(rec.doc), "meta": _meta(rec, users_url)}


def render(rec: StoredUser, users_url: str, attributes: list[Any] | None, excluded: list[Any] | None) -> bytes:
    if not attributes and not excluded:
        return resource_bytes(rec, users_url)
    return orjson.dumps(project(resource_dict(rec, users_url), attributes, excluded))


def list_bytes(total: int, start_index: int, records: list[StoredUser], users_url: str,
               attributes: list[Any] | None = None, excluded: list[Any] | None = None) -> bytes:
    head = orjson.dumps({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start_index,
                         "itemsPerPage": len(records)})
    body = b",".join(render(r, users_url, attributes, excluded) for r in records)
    return head[:-1] + b',"Resources":[' + body + b"]}"
