"""Small builders for SCIM request bodies used across the server tests."""

from __future__ import annotations

import uuid
from typing import Any

from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, PATCH_OP, ROSTER_USER


def unique() -> str:
    return uuid.uuid4().hex[:10]


def user_body(email: str | None = None, **extra: Any) -> dict[str, Any]:
    email = email or f"user.{unique()}@example.com"
    body: dict[str, Any] = {
        "schemas": [CORE_USER, ENTERPRISE_USER, ROSTER_USER],
        "userName": email,
        "name": {"givenName": extra.pop("given", "Ada"), "familyName": extra.pop("family", "Lovelace")},
        "emails": [{"value": email, "type": "work", "primary": True}],
    }
    ent = {k: extra.pop(k) for k in ("employeeNumber", "department", "division") if k in extra}
    if ent:
        body[ENTERPRISE_USER] = ent
    ours = {k: extra.pop(k) for k in ("location", "hireDate") if k in extra}
    if ours:
        body[ROSTER_USER] = ours
    body.update(extra)
    return body


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}
