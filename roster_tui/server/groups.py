"""What each write means for a group, independent of HTTP: used by the endpoints and by /Bulk."""

from __future__ import annotations

from typing import Any

from roster_tui.server.group_patch import parse_group_patch
from roster_tui.server.group_resource import validate_group
from roster_tui.server.storage.base import GroupDoc, StoredGroup, Versions, Writer

#: Audit actions of the writes that keep the group.
REPLACE, PATCH = "group-replace", "group-patch"


def insert_group(writer: Writer, doc: GroupDoc) -> StoredGroup:
    return writer.create_group(doc)


def create_group(writer: Writer, body: Any) -> StoredGroup:
    return writer.create_group(validate_group(body))


def replace_group(writer: Writer, id: str, body: Any, version: Versions) -> StoredGroup:
    """PUT: the group becomes the body, members included (a body without members leaves the group empty)."""
    doc = validate_group(body)
    return writer.update_group(id, lambda _old: doc, version, REPLACE, named=doc.members)


def patch_group(writer: Writer, id: str, body: Any, version: Versions) -> StoredGroup:
    steps, named = parse_group_patch(body, id)

    def mutate(old: GroupDoc) -> GroupDoc:
        for step in steps:
            old = step(old)
        return old

    return writer.update_group(id, mutate, version, PATCH, named=named)


def delete_group(writer: Writer, id: str, version: Versions) -> None:
    """Delete the group; its users stay, in their other groups."""
    writer.delete_group(id, version)
