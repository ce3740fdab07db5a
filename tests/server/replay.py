"""Steps for replaying an identity provider's documented requests against the roster API: each step checks the
status and gives back what the service then holds (a GET), so a test says what every request left behind."""

from __future__ import annotations

from typing import Any

import httpx

from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, PATCH_OP

CORE = CORE_USER
ENT = ENTERPRISE_USER


def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    """The JSON body of ``response`` (empty for 204), after checking its status."""
    request = response.request
    assert response.status_code == status, f"{request.method} {request.url}: {response.status_code} {response.text}"
    return response.json() if response.content else {}


def stored(http: httpx.Client, user_id: str) -> dict[str, Any]:
    """The user as the service holds it now."""
    return expect(http.get(f"/Users/{user_id}"), 200)


def found(http: httpx.Client, filter_text: str, **params: Any) -> list[dict[str, Any]]:
    """The users a provider's matching query finds (``GET /Users?filter=…``)."""
    page = expect(http.get("/Users", params={"filter": filter_text, **params}), 200)
    assert page["totalResults"] == len(page["Resources"]), page
    return page["Resources"]


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def patched(http: httpx.Client, user_id: str, *operations: dict[str, Any]) -> dict[str, Any]:
    """PATCH ``operations`` (200 expected), then the stored user."""
    expect(http.patch(f"/Users/{user_id}", json=patch_op(*operations)), 200)
    return stored(http, user_id)


def put(http: httpx.Client, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """PUT ``body`` (200 expected), then the stored user."""
    expect(http.put(f"/Users/{user_id}", json=body), 200)
    return stored(http, user_id)


def deleted(http: httpx.Client, user_id: str, user_name: str) -> None:
    """DELETE the user: 204, then gone from GET and from a userName query."""
    expect(http.delete(f"/Users/{user_id}"), 204)
    expect(http.get(f"/Users/{user_id}"), 404)
    assert found(http, f'userName eq "{user_name}"') == []


def typed(values: list[dict[str, Any]] | None, kind: str) -> list[dict[str, Any]]:
    """The values of a multi-valued attribute with ``type`` ``kind``."""
    return [v for v in values or [] if v.get("type") == kind]
