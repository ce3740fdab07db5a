"""The /Groups endpoints (RFC 7644 §3): create, read, list and search, replace, patch, delete, history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from roster_tui.core.scim import SEARCH_REQUEST
from roster_tui.server import groups
from roster_tui.server import openapi as oa
from roster_tui.server.errors import ScimError, not_found, precondition_failed, require_schema
from roster_tui.server.group_render import group_list_bytes, render_group, wants_members
from roster_tui.server.group_resource import validate_group
from roster_tui.server.http import (
    PREFIX,
    Limits,
    base_url,
    list_query,
    list_response,
    not_modified,
    projection,
    read_json,
    scim_response,
)
from roster_tui.server.schemas import CORE_GROUP
from roster_tui.server.service import parse_if_match
from roster_tui.server.storage.base import Storage, StoredGroup

Run = Callable[..., Awaitable[Any]]


def _if_match(request: Request) -> frozenset[int] | None:
    header = request.headers.get("if-match")
    try:
        return parse_if_match(header)
    except ScimError:
        raise precondition_failed(f"If-Match {header!r} does not match any version of this group") from None


def add_group_routes(app: FastAPI, storage: Storage, lim: Limits, actor: Callable[[Request], str], run: Run,
                     write: Run) -> None:
    """Serve groups on ``app``: ``actor`` authenticates, ``run`` reads in a worker thread, ``write`` queues a
    write (``write(actor, fn, *args)`` runs ``fn(writer, *args)``)."""

    async def query(request: Request, params: dict[str, Any]) -> Response:
        q = list_query(params, lim, CORE_GROUP)
        base = base_url(request)

        def page() -> bytes:
            total, records = storage.list_groups(q.filter, q.sort_by, q.descending, q.start - 1, q.count,
                                                 wants_members(q.attributes, q.excluded))
            return group_list_bytes(total, q.start, records, base, q.attributes, q.excluded)

        return scim_response(await run(page))

    def written(rec: StoredGroup, request: Request, status: int = 200) -> Response:
        base = base_url(request)
        attributes, excluded = projection(dict(request.query_params), CORE_GROUP)
        headers = {"ETag": rec.etag, "Location": f"{base}/Groups/{rec.id}"}
        return scim_response(render_group(rec, base, attributes, excluded), status, headers)

    @app.get(PREFIX + "/Groups", openapi_extra=oa.params(*oa.LIST_PARAMS))
    async def list_groups(request: Request) -> Response:
        return await query(request, dict(request.query_params))

    @app.post(PREFIX + "/Groups/.search", openapi_extra=oa.body(oa.SEARCH))
    async def search_groups(request: Request) -> Response:
        body = await read_json(request, lim.max_body)
        return await query(request, require_schema(body, SEARCH_REQUEST))

    @app.post(PREFIX + "/Groups", status_code=201, openapi_extra=oa.body(oa.GROUP, params=oa.PROJECTION))
    async def create_group(request: Request) -> Response:
        name = actor(request)
        doc = validate_group(await read_json(request, lim.max_body))
        return written(await write(name, groups.insert_group, doc), request, 201)

    @app.get(PREFIX + "/Groups/{id}", openapi_extra=oa.params(oa.IF_NONE_MATCH, *oa.PROJECTION))
    async def get_group(request: Request, id: str) -> Response:
        attributes, excluded = projection(dict(request.query_params), CORE_GROUP)
        rec = await run(storage.get_group, id, wants_members(attributes, excluded))
        if rec is None:
            raise not_found(f"Group {id} not found")
        return not_modified(request, rec.etag) or written(rec, request)

    @app.get(PREFIX + "/Groups/{id}/history")
    async def group_history(request: Request, id: str) -> Response:
        """The audit trail of one group, newest first (a roster extension, not part of SCIM)."""
        entries = await run(storage.audit_for, id)
        if not entries and await run(storage.get_group, id, False) is None:
            raise not_found(f"Group {id} not found")
        return list_response(entries)

    @app.put(PREFIX + "/Groups/{id}", openapi_extra=oa.body(oa.GROUP, params=[oa.IF_MATCH]))
    async def replace_group(request: Request, id: str) -> Response:
        name = actor(request)
        body = await read_json(request, lim.max_body)
        version = _if_match(request)
        return written(await write(name, groups.replace_group, id, body, version), request)

    @app.patch(PREFIX + "/Groups/{id}", openapi_extra=oa.body(oa.PATCH, params=[oa.IF_MATCH]))
    async def patch_group(request: Request, id: str) -> Response:
        name = actor(request)
        body = await read_json(request, lim.max_body)
        version = _if_match(request)
        return written(await write(name, groups.patch_group, id, body, version), request)

    @app.delete(PREFIX + "/Groups/{id}", status_code=204, openapi_extra=oa.params(oa.IF_MATCH))
    async def delete_group(request: Request, id: str) -> Response:
        name = actor(request)
        version = _if_match(request)
        await write(name, groups.delete_group, id, version)
        return Response(status_code=204)
