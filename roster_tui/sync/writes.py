"""Writing one user on any SCIM server: PATCH of the changed fields, or, on a server that does not take those
operations (PATCH not offered, or answered 501/405), the whole user as read with the changes in it (PUT)."""

from __future__ import annotations

from typing import Any

from roster_tui.core.user_changes import with_operations
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError

#: Answers with which a server says it does not do a PATCH (as opposed to refusing its content).
NO_PATCH = frozenset({405, 501})


async def write_user(client: RosterClient, user_id: str, operations: list[dict[str, Any]], *,
                     etag: str | None, resource: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Apply ``operations`` to the user (``If-Match`` ``etag``); the user as the server answered, or None.

    ``resource``: the user as read (else it is read again when a PUT is needed)."""
    if (await client.features()).patch:
        try:
            return await client.patch_user(user_id, operations, etag=etag)
        except RosterApiError as exc:
            if exc.status not in NO_PATCH:
                raise
    current = resource if resource is not None else await client.get_user(user_id) or {}
    return await client.replace_user(user_id, with_operations(current, operations), etag=etag)
