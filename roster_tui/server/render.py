"""Render stored users as SCIM JSON. The hot path splices stored JSON text instead of re-encoding it."""

from __future__ import annotations

from typing import Any

import orjson

from roster_tui.core.scim import LIST_RESPONSE
from roster_tui.server.projection import projector
from roster_tui.server.storage.base import StoredUser


def escaped_url(url: str) -> str:
    """``url`` escaped for use inside a JSON string."""
    return orjson.dumps(url).decode()[1:-1]


def resource_text(rec: StoredUser, safe_users_url: str) -> str:
    """The full resource, ``{"id":…,"meta":…,<stored document>}``, without decoding the document.

    Ids, timestamps and versions are the service's own (UUIDs, ISO stamps, integers) and need no escaping;
    ``safe_users_url`` comes from :func:`escaped_url`.
    """
    return (f'{{"id":"{rec.id}","meta":{{"resourceType":"User","created":"{rec.created}",'
            f'"lastModified":"{rec.last_modified}","version":"W/\\"{rec.version}\\"",'
            f'"location":"{safe_users_url}/{rec.id}"}},{rec.doc[1:]}')


def resource_dict(rec: StoredUser, users_url: str) -> dict[str, Any]:
    meta = {"resourceType": "User", "created": rec.created, "lastModified": rec.last_modified,
            "version": rec.etag, "location": f"{users_url}/{rec.id}"}
    return {"id": rec.id, **orjson.loads(rec.doc), "meta": meta}


def render(rec: StoredUser, users_url: str, attributes: list[Any] | None, excluded: list[Any] | None) -> bytes:
    if not attributes and not excluded:
        return resource_text(rec, escaped_url(users_url)).encode()
    return orjson.dumps(projector(attributes, excluded)(resource_dict(rec, users_url)))


def list_bytes(total: int, start_index: int, records: list[StoredUser], users_url: str,
               attributes: list[Any] | None = None, excluded: list[Any] | None = None) -> bytes:
    """A ListResponse built with one join: each extra copy of a large page costs as much as encoding it.

    Resources are encoded one by one: ASCII text encodes by copying, while a page holding a few non-ASCII
    names would be encoded character by character as one string.
    """
    head = orjson.dumps({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start_index,
                         "itemsPerPage": len(records)})
    if not attributes and not excluded:
        safe = escaped_url(users_url)
        parts = [resource_text(r, safe).encode() for r in records]
    else:
        shape = projector(attributes, excluded)  # prepared once for the page
        parts = [orjson.dumps(shape(resource_dict(r, users_url))) for r in records]
    opening = head[:-1] + b',"Resources":['
    if not parts:
        return opening + b"]}"
    parts[0] = opening + parts[0]
    parts[-1] += b"]}"
    return b",".join(parts)
