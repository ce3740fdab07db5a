"""Finding users as a profile needs them: who else holds an email or employee ID, and who a reference names."""

from __future__ import annotations

import json

from roster_tui.core.scim import FIELD_PATHS
from roster_tui.scim.client import RosterClient

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
