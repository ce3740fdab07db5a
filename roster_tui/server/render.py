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


def _groups_url(users_url: str) -> str:
    return users_url.rsplit("/", 1)[0] + "/Groups"


def groups_list(rec: StoredUser, groups_url: str) -> list[dict[str, str]]:
    """The user's ``groups`` (RFC 7643 §4.1.2): every membership is direct, as groups do not nest."""
    return [{"value": id, "$ref": f"{groups_url}/{id}", "display": name, "type": "direct"} for id, name in rec.groups]


def _groups_text(groups: tuple[tuple[str, str], ...], safe_users_url: str, known: dict[Any, str]) -> str:
    """``"groups":[…],`` for a user in ``groups``; ``known`` keeps the text of each set of groups of a page (many
    users share theirs)."""
    text = known.get(groups)
    if text is None:
        safe_groups_url = _groups_url(safe_users_url)
        text = known[groups] = '"groups":[' + ",".join(
            f'{{"value":"{id}","$ref":"{safe_groups_url}/{id}","display":{orjson.dumps(name).decode()},'
            '"type":"direct"}' for id, name in groups) + "],"
    return text


def resource_text(rec: StoredUser, safe_users_url: str, known: dict[Any, str] | None = None) -> str:
    """The full resource, ``{"id":…,"meta":…,"groups":…,<stored document>}``, without decoding the document.

    Ids, timestamps and versions are the service's own (UUIDs, ISO stamps, integers) and need no escaping;
    ``safe_users_url`` comes from :func:`escaped_url`. Only the groups' names are encoded (``known``: the texts
    of groups already encoded for the page).
    """
    groups = _groups_text(rec.groups, safe_users_url, {} if known is None else known) if rec.groups else ""
    return (f'{{"id":"{rec.id}","meta":{{"resourceType":"User","created":"{rec.created}",'
            f'"lastModified":"{rec.last_modified}","version":"W/\\"{rec.version}\\"",'
            f'"location":"{safe_users_url}/{rec.id}"}},{groups}{rec.doc[1:]}')


def resource_dict(rec: StoredUser, users_url: str) -> dict[str, Any]:
    meta = {"resourceType": "User", "created": rec.created, "lastModified": rec.last_modified,
            "version": rec.etag, "location": f"{users_url}/{rec.id}"}
    groups = {"groups": groups_list(rec, _groups_url(users_url))} if rec.groups else {}
    return {"id": rec.id, **orjson.loads(rec.doc), **groups, "meta": meta}


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
        safe, known = escaped_url(users_url), {}
        parts = [resource_text(r, safe, known).encode() for r in records]
    else:
        shape = projector(attributes, excluded)  # prepared once for the page
        parts = [orjson.dumps(shape(resource_dict(r, users_url))) for r in records]
    opening = head[:-1] + b',"Resources":['
    if not parts:
        return opening + b"]}"
    parts[0] = opening + parts[0]
    parts[-1] += b"]}"
    return b",".join(parts)
