"""Finding people as the console needs them: who else holds an email or employee ID, who a reference names, and
the roster's groups."""

from __future__ import annotations

import json

from roster_tui.core.scim import FIELD_PATHS
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError

#: Fields that are unique across the roster.
UNIQUE_FIELDS = ("email", "employee_id")


async def holder_of(client: RosterClient, field: str, value: str, *, besides: str | None = None) -> str | None:
    """The userName of another user (not ``besides``) whose unique ``field`` is ``value``, or None."""
    page = await client.list_users(filter=f"{FIELD_PATHS[field]} eq {json.dumps(value)}", count=2,
                                   attributes="userName")
    others = [r for r in page.resources if r.get("id") != besides]
    return str(others[0].get("userName")) if others else None


async def user_named(client: RosterClient, reference: str) -> str | None:
    """The id of the user an email or employee ID names, or None."""
    literal = json.dumps(reference)
    page = await client.list_users(
        filter=f"userName eq {literal} or {FIELD_PATHS['employee_id']} eq {literal}", count=1, attributes="userName")
    return str(page.resources[0]["id"]) if page.resources else None


async def all_groups(client: RosterClient) -> list[tuple[str, str]] | None:
    """``(id, name)`` of every group of the roster, by name; None from a server without groups."""
    groups: list[tuple[str, str]] = []
    start = 1
    while True:
        try:
            page = await client.list_groups(start_index=start, count=1000, attributes=["displayName"])
        except RosterApiError as exc:
            if exc.status in (404, 501) and start == 1:
                return None
            raise
        groups += [(str(g["id"]), str(g.get("displayName") or g["id"])) for g in page.resources if g.get("id")]
        start += len(page.resources)
        if not page.resources or start > page.total_results:
            return sorted(groups, key=lambda g: g[1].casefold())
