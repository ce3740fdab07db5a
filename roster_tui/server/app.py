"""The roster API: SCIM 2.0 over HTTP (FastAPI), storage calls run in worker threads."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from roster_tui.core.scim import SEARCH_REQUEST
from roster_tui.server import openapi as oa
from roster_tui.server import schemas, service
from roster_tui.server.access import check_write, guarded
from roster_tui.server.access_api import add_access_route
from roster_tui.server.auth import Actor, TokenRegistry
from roster_tui.server.bulk import run_bulk
from roster_tui.server.changes_api import add_change_routes, change_of, writing
from roster_tui.server.errors import ScimError, from_storage, invalid_value, not_found, require_schema
from roster_tui.server.group_api import add_group_routes
from roster_tui.server.http import (
    PREFIX,
    Limits,
    base_url,
    error_response,
    list_query,
    list_response,
    not_modified,
    projection,
    read_json,
    scim_response,
)
from roster_tui.server.middleware import LastResort, PinnedOrigin
from roster_tui.server.render import list_bytes, render
from roster_tui.server.root_search import add_root_search
from roster_tui.server.storage.base import Storage
from roster_tui.server.storage.errors import DatabaseFault, StorageError
from roster_tui.server.values_api import add_value_routes
from roster_tui.server.writes import WriteQueue

log = logging.getLogger("roster.server")
F = TypeVar("F", bound=Callable[..., Any])


def public(endpoint: F) -> F:
    """Mark an endpoint as answered without a token (discovery, RFC 7644 §4); every other one needs one."""
    endpoint.public = True  # type: ignore[attr-defined]
    return endpoint


def create_app(storage: Storage, tokens: TokenRegistry, limits: Limits | None = None,
               public_url: str | None = None) -> FastAPI:
    """Build the ASGI app over a storage and the tokens it accepts.

    ``public_url`` (``http://host:port``): what every URL the service writes starts with, whatever ``Host`` a
    client sends; None only for an app that no network client reaches (the embedded, in-process service).
    """
    lim = limits or Limits()
    writes = WriteQueue(storage)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        writes.close()

    async def authenticated(request: Request) -> None:
        """Every route's first step: a token is required, unless the route is :func:`public`; a viewer's
        token may only read (:mod:`.access`)."""
        if not getattr(request.scope.get("endpoint"), "public", False):
            request.state.actor = tokens.authenticate(request.headers.get("authorization"))
            check_write(request.state.actor, request.method, getattr(request.scope.get("route"), "path", ""))

    app = FastAPI(title="roster API", version="2.0", docs_url=None, redoc_url=None, lifespan=lifespan,
                  dependencies=[Depends(authenticated)])
    app.state.storage = storage
    app.state.writes = writes
    app.add_middleware(LastResort)
    if public_url is not None:
        app.add_middleware(PinnedOrigin, public_url=public_url)

    @app.exception_handler(ScimError)
    async def _scim_error(_request: Request, exc: ScimError) -> Response:
        return error_response(exc)

    @app.exception_handler(StorageError)
    async def _storage_error(_request: Request, exc: StorageError) -> Response:
        scim = from_storage(exc)
        if isinstance(exc, DatabaseFault):
            log.error("database: %s", exc.__cause__ or exc)
        elif scim.status == 500:
            log.error("unexpected storage error: %r", exc)
        return error_response(scim)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        detail = "no such endpoint" if exc.status_code == 404 else str(exc.detail)
        return error_response(ScimError(exc.status_code, detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return error_response(invalid_value(str(exc.errors()[0].get("msg", "invalid request"))))

    async def run(fn: Any, *args: Any) -> Any:
        return await run_in_threadpool(fn, *args)

    def actor(request: Request) -> Actor:
        """Who the request acts as: the token's name (a person's: theirs), with its access role."""
        found: Actor = request.state.actor
        return found

    # Discovery: no token needed (RFC 7644 §4).
    @app.get(PREFIX + "/ServiceProviderConfig")
    @public
    async def spc(request: Request) -> Response:
        return scim_response(schemas.service_provider_config(
            base_url(request), max_results=lim.max_results, bulk_max_ops=lim.bulk_max_operations,
            bulk_max_payload=lim.bulk_max_payload))

    @app.get(PREFIX + "/Schemas")
    @public
    async def list_schemas(request: Request) -> Response:
        return list_response(schemas.schema_documents(base_url(request)))

    @app.get(PREFIX + "/Schemas/{schema_id:path}")
    @public
    async def get_schema(request: Request, schema_id: str) -> Response:
        for doc in schemas.schema_documents(base_url(request)):
            if doc["id"] == schema_id:
                return scim_response(doc)
        raise not_found(f"no schema {schema_id}")

    @app.get(PREFIX + "/ResourceTypes")
    @public
    async def list_resource_types(request: Request) -> Response:
        return list_response(schemas.resource_type_documents(base_url(request)))

    @app.get(PREFIX + "/ResourceTypes/{type_id}")
    @public
    async def get_resource_type(request: Request, type_id: str) -> Response:
        for doc in schemas.resource_type_documents(base_url(request)):
            if doc["id"] == type_id:
                return scim_response(doc)
        raise not_found(f"no resource type {type_id}")

    async def query(request: Request, params: dict[str, Any]) -> Response:
        q = list_query(params, lim)
        users_url = base_url(request) + "/Users"

        def page() -> bytes:  # one trip to a worker thread for the query and the rendering
            total, records = storage.list(q.filter, q.sort_by, q.descending, q.start - 1, q.count)
            return list_bytes(total, q.start, records, users_url, q.attributes, q.excluded)

        return scim_response(await run(page))

    @app.get(PREFIX + "/Users", openapi_extra=oa.params(*oa.LIST_PARAMS))
    async def list_users(request: Request) -> Response:
        return await query(request, dict(request.query_params))

    @app.post(PREFIX + "/Users/.search", openapi_extra=oa.body(oa.SEARCH))
    async def search_users(request: Request) -> Response:
        body = await read_json(request, lim.max_body)
        return await query(request, require_schema(body, SEARCH_REQUEST))

    add_value_routes(app, storage, run)  # GET /Users/.values: before /Users/{id}, which would take it for an id

    def written(rec: Any, request: Request, status: int = 200) -> Response:
        users_url = base_url(request) + "/Users"
        attributes, excluded = projection(dict(request.query_params))
        headers = {"ETag": rec.etag, "Location": f"{users_url}/{rec.id}"}
        return scim_response(render(rec, users_url, attributes, excluded), status, headers)

    async def write(name: Actor, fn: Any, *args: Any, alone: bool = False, request: Request | None = None) -> Any:
        """Queue a write as ``name`` (an :class:`Actor`: its role decides what it may change, :func:`guarded`);
        ``request``: a user's write, which may name the change it belongs to."""
        change = await change_of(request, storage, run) if request is not None else None
        with writing(change):
            return await writes.submit(name, guarded(fn, name), *args, alone=alone, change=change)

    @app.post(PREFIX + "/Users", status_code=201, openapi_extra=oa.body(oa.USER, params=oa.PROJECTION))
    async def create(request: Request) -> Response:
        name = actor(request)
        body = await read_json(request, lim.max_body)
        rec = await write(name, service.insert_user, service.new_user_doc(body), request=request)
        return written(rec, request, 201)

    @app.get(PREFIX + "/Users/{id}", openapi_extra=oa.params(oa.IF_NONE_MATCH, *oa.PROJECTION))
    async def get(request: Request, id: str) -> Response:
        rec = await run(storage.get, id)
        if rec is None:
            raise not_found(f"User {id} not found")
        return not_modified(request, rec.etag) or written(rec, request)

    @app.get(PREFIX + "/Users/{id}/history")
    async def history(request: Request, id: str) -> Response:
        """The audit trail of one user, newest first (a roster extension, not part of SCIM)."""
        entries = await run(storage.audit_for, id)
        if not entries and await run(storage.get, id) is None:
            raise not_found(f"User {id} not found")
        return list_response(entries)

    @app.put(PREFIX + "/Users/{id}", openapi_extra=oa.body(oa.USER, params=[oa.IF_MATCH]))
    async def replace(request: Request, id: str) -> Response:
        name = actor(request)
        body = await read_json(request, lim.max_body)
        version = service.parse_if_match(request.headers.get("if-match"))
        rec = await write(name, service.replace_user, id, body, version, request=request)
        return written(rec, request)

    @app.patch(PREFIX + "/Users/{id}", openapi_extra=oa.body(oa.PATCH, params=[oa.IF_MATCH]))
    async def patch(request: Request, id: str) -> Response:
        name = actor(request)
        body = await read_json(request, lim.max_body)
        version = service.parse_if_match(request.headers.get("if-match"))
        rec = await write(name, service.patch_user, id, body, version, request=request)
        return written(rec, request)

    @app.delete(PREFIX + "/Users/{id}", status_code=204, openapi_extra=oa.params(oa.IF_MATCH))
    async def delete(request: Request, id: str) -> Response:
        name = actor(request)
        version = service.parse_if_match(request.headers.get("if-match"))
        await write(name, service.delete_user, id, version, request=request)
        return Response(status_code=204)

    @app.post(PREFIX + "/Bulk", openapi_extra=oa.body(oa.BULK))
    async def bulk(request: Request) -> Response:
        name = actor(request)
        body = await read_json(request, lim.bulk_max_payload)
        result = await write(name, run_bulk, body, base_url(request), lim.bulk_max_operations, alone=True,
                             request=request)
        return scim_response(result)

    add_group_routes(app, storage, lim, actor, run, write)
    add_change_routes(app, storage, run, actor)
    add_access_route(app)
    add_root_search(app, storage, lim, run)  # POST /.search: Users and Groups (RFC 7644 §3.4.3)
    return app
