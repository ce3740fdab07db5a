"""Small builders for the group tests: users to put in groups, groups, and what a group's members are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from tests.server.helpers import unique, user_body

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def new_user(http: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = http.post("/Users", json=user_body(**extra))
    assert response.status_code == 201, response.text
    return response.json()


def new_users(http: httpx.Client, n: int) -> list[str]:
    """The ids of ``n`` new users."""
    return [new_user(http)["id"] for _ in range(n)]


def new_group(http: httpx.Client, members: Sequence[str] = (), **extra: Any) -> dict[str, Any]:
    body = {"schemas": [GROUP], "displayName": extra.pop("displayName", f"Group {unique()}"),
            "members": [{"value": m} for m in members], **extra}
    response = http.post("/Groups", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def member_ids(group: dict[str, Any]) -> set[str]:
    return {m["value"] for m in group.get("members", [])}


def group_ids_of(user: dict[str, Any]) -> set[str]:
    return {g["value"] for g in user.get("groups", [])}


def history(http: httpx.Client, group_id: str) -> list[dict[str, Any]]:
    """The group's audit trail, newest first."""
    response = http.get(f"/Groups/{group_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["Resources"]
