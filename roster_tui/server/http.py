"""What every SCIM endpoint shares: limits, responses, reading bodies, and the query parameters of lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request, Response

from roster_tui.core.scim import CORE_USER, LIST_RESPONSE
from roster_tui.server.errors import ScimError, invalid_syntax, invalid_value
from roster_tui.server.filters import AttrPath, Node, parse_attribute_list, parse_filter
from roster_tui.server.projection import parse_projection

SCIM_JSON = "application/scim+json"
PREFIX = "/scim/v2"


class Limits:
    max_results = 1000
    default_count = 100
    max_body = 1024 * 1024
    bulk_max_operations = 1000
    bulk_max_payload = 8 * 1024 * 1024


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(content, status_code=status, media_type=SCIM_JSON, headers=headers)


def list_response(resources: list[dict[str, Any]]) -> Response:
    """A ListResponse holding every one of ``resources`` (small, unpaged collections)."""
    return scim_response({"schemas": [LIST_RESPONSE], "totalResults": len(resources), "startIndex": 1,
                          "itemsPerPage": len(resources), "Resources": resources})


def error_response(exc: ScimError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="roster"'} if exc.status == 401 else None
    return scim_response(exc.body(), exc.status, headers)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def not_modified(request: Request, etag: str) -> Response | None:
    """304 if the request's ``If-None-Match`` names ``etag``."""
    none_match = request.headers.get("if-none-match")
    if none_match and etag in [t.strip() for t in none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return None


async def read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ScimError(413, f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ScimError(413, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise invalid_syntax(f"the request body is not valid JSON: {exc}") from None


def _int_param(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise invalid_value(f"{name} must be an integer, not {str(value)[:40]!r}")


def _text_param(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    raise invalid_value(f"{name} must be a string")


@dataclass(frozen=True)
class ListQuery:
    """The parameters of a list or search (RFC 7644 §3.4.2), parsed for one resource type."""

    filter: Node | None
    sort_by: AttrPath | None
    descending: bool
    start: int  # startIndex, 1-based
    count: int
    attributes: list[AttrPath] | None
    excluded: list[AttrPath] | None


def projection(params: dict[str, Any], core: str = CORE_USER) -> tuple[list[AttrPath] | None, list[AttrPath] | None]:
    """The ``attributes`` and ``excludedAttributes`` of a query string or SearchRequest."""
    def as_text(value: Any) -> str | None:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value)
        if value is None or isinstance(value, str):
            return value
        raise invalid_value("attributes and excludedAttributes must be strings or lists of strings")

    attributes = as_text(params.get("attributes"))
    excluded = as_text(params.get("excludedAttributes"))
    return (parse_projection(attributes, "attributes", core) if attributes else None,
            parse_projection(excluded, "excludedAttributes", core) if excluded else None)


def list_query(params: dict[str, Any], limits: Limits, core: str = CORE_USER) -> ListQuery:
    """Parse the parameters of a list of the resource type whose core schema is ``core``."""
    filter_text = _text_param(params, "filter")
    node = parse_filter(filter_text, core) if filter_text else None
    sort_by = _text_param(params, "sortBy")
    sort_paths = parse_attribute_list(sort_by, "sortBy", core) if sort_by else []
    if len(sort_paths) > 1:
        raise invalid_value("sortBy takes one attribute")
    order = (_text_param(params, "sortOrder") or "ascending").lower()
    if order not in ("ascending", "descending"):
        raise invalid_value("sortOrder must be ascending or descending")
    start = max(1, _int_param(params.get("startIndex"), "startIndex", 1))
    count = min(max(0, _int_param(params.get("count"), "count", limits.default_count)), limits.max_results)
    attributes, excluded = projection(params, core)
    return ListQuery(node, sort_paths[0] if sort_paths else None, order == "descending", start, count,
                     attributes, excluded)
