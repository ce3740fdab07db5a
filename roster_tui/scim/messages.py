"""SCIM message helpers of the roster API client: list pages, ETags and request parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from roster_tui.scim.errors import RosterApiError

Attributes = str | Sequence[str] | None


@dataclass(frozen=True)
class ListPage:
    """One page of a SCIM ListResponse."""

    total_results: int
    start_index: int
    items_per_page: int
    resources: list[dict[str, Any]] = field(default_factory=list)


def version_of(resource: dict[str, Any] | None) -> str | None:
    """The version (ETag) of a resource dict, from ``meta.version``."""
    if not resource:
        return None
    meta = resource.get("meta")
    version = meta.get("version") if isinstance(meta, dict) else None
    return str(version) if version else None


def etag_from_response(response: httpx.Response) -> str | None:
    """The ETag of a response: its ``ETag`` header, else the body's ``meta.version``."""
    if etag := response.headers.get("ETag"):
        return etag
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None
    return version_of(body) if isinstance(body, dict) else None


def csv_param(value: Attributes) -> str | None:
    """An attribute list as a comma-separated query parameter."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


def as_list(value: Attributes) -> list[str] | None:
    """An attribute list as a JSON list, for a SearchRequest body."""
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else list(value)


def user_path(user_id: str) -> str:
    """The path of one user, relative to the SCIM base URL."""
    return f"Users/{quote(str(user_id), safe='')}"


def list_page(body: Any, requested_start: int) -> ListPage:
    """Decode a ListResponse, tolerating the optional fields a server may leave out."""
    if not isinstance(body, dict):
        raise RosterApiError("The server sent a list response that is not a JSON object")
    resources = body.get("Resources") or []
    return ListPage(
        total_results=int(body.get("totalResults", len(resources))),
        start_index=int(body.get("startIndex", requested_start)),
        items_per_page=int(body.get("itemsPerPage", len(resources))),
        resources=list(resources),
    )


def resources_of(body: Any) -> list[dict[str, Any]]:
    """The resources of a discovery answer: a ListResponse, or a bare JSON list as some servers send."""
    items = body if isinstance(body, list) else body.get("Resources") if isinstance(body, dict) else None
    return [r for r in items or [] if isinstance(r, dict)]
