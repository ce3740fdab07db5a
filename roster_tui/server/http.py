"""What every SCIM endpoint shares: limits, responses, reading bodies, and the query parameters of lists."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request, Response
from starlette.requests import ClientDisconnect

from roster_tui.core.scim import CORE_USER, LIST_RESPONSE
from roster_tui.server.errors import ScimError, invalid_syntax, invalid_value
from roster_tui.server.filters import AttrPath, Node, parse_attribute_list, parse_filter
from roster_tui.server.projection import parse_projection

SCIM_JSON = "application/scim+json"
PREFIX = "/scim/v2"
#: The media types a request body may be sent as (RFC 7644 §3.1), in UTF-8.
BODY_TYPES = frozenset((SCIM_JSON, "application/json"))
#: The largest ``startIndex`` taken as given; any larger one (beyond every roster) reads as this one.
MAX_START_INDEX = 2**62
_INTEGER = re.compile(r"\s*([+-]?)([0-9]+)\s*")


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
    headers = {"WWW-Authenticate": 'Bearer realm="roster"'} if exc.status == 401 else {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return scim_response(exc.body(), exc.status, headers or None)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def not_modified(request: Request, etag: str) -> Response | None:
    """304 if the request's ``If-None-Match`` names ``etag``."""
    none_match = request.headers.get("if-none-match")
    if none_match and etag in [t.strip() for t in none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return None


def _check_media_type(request: Request) -> None:
    header = request.headers.get("content-type", "")
    kind, *params = (part.strip().lower() for part in header.split(";"))
    charset = next((p.split("=", 1)[1].strip('" ') for p in params if p.startswith("charset=")), "utf-8")
    if kind not in BODY_TYPES or charset not in ("utf-8", "utf8"):
        shown = repr(header[:60]) if header else "none"
        raise ScimError(415, f"the body must be sent as {SCIM_JSON} or application/json in UTF-8 "
                             f"(Content-Type: {shown})")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members; a name given twice (in any case: SCIM names are case-insensitive) is refused."""
    seen: set[str] = set()
    for key, _value in pairs:
        folded = key.lower()
        if folded in seen:
            raise invalid_syntax(f"the request body gives {key!r} twice in one object (names are "
                                 "case-insensitive); give each once")
        seen.add(folded)
    return dict(pairs)


def parse_json(raw: bytes) -> Any:
    """The JSON value of a request body: valid UTF-8 JSON (no lone surrogates, no NaN) without repeated names."""
    try:
        orjson.loads(raw)  # fast, and strict: bad UTF-8, lone surrogates, NaN and nesting over 1,024 are refused
        return json.loads(raw, object_pairs_hook=_unique_keys)
    except ValueError as exc:  # orjson's JSONDecodeError, or a number of over 4,300 digits
        raise invalid_syntax(f"the request body is not valid JSON: {exc}") from None


async def read_json(request: Request, limit: int, unique_names: bool = True) -> Any:
    """The request's JSON body: a SCIM media type, at most ``limit`` bytes, each name once per object (unless
    not ``unique_names``: a body kept as the client wrote it, such as a change's saved plan)."""
    _check_media_type(request)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ScimError(413, f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ScimError(413, f"the request body is larger than {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ScimError(400, "the client went away before sending the whole body") from None
    raw = b"".join(chunks)
    if unique_names:
        return parse_json(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid_syntax(f"the request body is not valid JSON: {exc}") from None


def _int_param(value: Any, name: str, default: int) -> int:
    """An integer parameter: a JSON integer, or a string of ASCII digits (any length; huge ones stay huge)."""
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _INTEGER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise invalid_value(f"{name} must be an integer, not {str(value)[:40]!r}")
    sign, digits = match.groups()
    number = int(digits) if len(digits) <= 30 else 10**30
    return -number if sign == "-" else number


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
    start = min(max(1, _int_param(params.get("startIndex"), "startIndex", 1)), MAX_START_INDEX)
    count = min(max(0, _int_param(params.get("count"), "count", limits.default_count)), limits.max_results)
    attributes, excluded = projection(params, core)
    return ListQuery(node, sort_paths[0] if sort_paths else None, order == "descending", start, count,
                     attributes, excluded)
