"""The change journal over HTTP (a roster extension, not SCIM; its message schema is published in ``/Schemas``).

    POST  /scim/v2/Changes                {"kind", "source", "counts", "plan"?, "undoes"?}  -> 201, the change
    GET   /scim/v2/Changes[?status=open][&user=ID][&before=ID][&count=N]           newest first
    GET   /scim/v2/Changes/{id}[?plan=true]                                        one change (with its plan)
    GET   /scim/v2/Changes/{id}/writes[?after=SEQ][&count=N]                       its writes, oldest first
    PATCH /scim/v2/Changes/{id}           {"status": "done"|"stopped"|"open", "outcome"?}

A write made for a change names it in the ``X-Roster-Change`` header; a change that is not open refuses it (409).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from roster_tui.core.changes import CHANGE, CHANGE_HEADER, CHANGES_ENDPOINT, DONE, KINDS, OPEN, STOPPED
from roster_tui.core.scim import LIST_RESPONSE
from roster_tui.server.errors import ScimError, invalid_value, not_found
from roster_tui.server.http import PREFIX, _int_param, base_url, read_json, scim_response
from roster_tui.server.storage.base import Storage

Run = Callable[..., Awaitable[Any]]
#: Requests of each change being written by this process now: a change whose client died may still have its
#: last request in flight here, and resuming it meanwhile would write those users twice.
WRITING: Counter[int] = Counter()
#: A saved plan of a large import is large: the body of a new change may be bigger than a user's.
MAX_CHANGE_BODY = 256 * 1024 * 1024
MAX_LISTED = 1000


def _change_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise not_found(f"no change {text[:40]!r}")
    return int(text)


def _body(change: dict[str, Any], url: str) -> dict[str, Any]:
    return {"schemas": [CHANGE], **change, "writing": WRITING.get(change["id"], 0),
            "meta": {"resourceType": "Change", "location": f"{url}/{change['id']}"}}


@contextmanager
def writing(change: int | None) -> Iterator[None]:
    """Count a request writing for ``change`` while it runs (``writing`` in the change's answer)."""
    if change is None:
        yield
        return
    WRITING[change] += 1
    try:
        yield
    finally:
        WRITING[change] -= 1
        if WRITING[change] <= 0:
            del WRITING[change]


async def change_of(request: Request, storage: Storage, run: Run) -> int | None:
    """The open change a write names in its header (None: none named); 400 if malformed, 409 if not open."""
    text = request.headers.get(CHANGE_HEADER)
    if text is None:
        return None
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise invalid_value(f"{CHANGE_HEADER} must be the number of a change, not {text[:40]!r}")
    id = int(text)
    status = await run(storage.change_status, id)
    if status is None:
        raise ScimError(409, f"no change {id}: open one with POST {PREFIX}{CHANGES_ENDPOINT} first")
    if status != OPEN:
        raise ScimError(409, f"change {id} is {status}: reopen it (PATCH status open) to write to it")
    return id


def _dict_of(body: Any, name: str) -> dict[str, Any]:
    value = body.get(name) if isinstance(body, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_value(f"{name} must be an object")
    return value


def add_change_routes(app: FastAPI, storage: Storage, run: Run, actor: Callable[[Request], str]) -> None:
    """Serve the change journal on ``app``."""
    path = PREFIX + CHANGES_ENDPOINT

    @app.post(path, status_code=201)
    async def open_change(request: Request) -> Response:
        name = actor(request)
        body = await read_json(request, MAX_CHANGE_BODY, unique_names=False)  # the plan is kept as sent
        kind = body.get("kind") if isinstance(body, dict) else None
        if kind not in KINDS:
            raise invalid_value(f"kind must be one of {', '.join(KINDS)}")
        undoes = body.get("undoes")
        if undoes is not None and (not isinstance(undoes, int) or isinstance(undoes, bool)
                                   or await run(storage.change_status, undoes) is None):
            raise invalid_value(f"undoes: no change {str(undoes)[:40]}")
        plan = body.get("plan")
        change = await run(storage.open_change, name, kind, _dict_of(body, "source"), _dict_of(body, "counts"),
                           orjson.dumps(plan) if plan is not None else None, undoes)
        url = base_url(request) + CHANGES_ENDPOINT
        return scim_response(_body(change, url), 201, {"Location": f"{url}/{change['id']}"})

    @app.get(path)
    async def list_changes(request: Request) -> Response:
        query = request.query_params
        status = query.get("status") or None
        if status is not None and status not in (OPEN, DONE, STOPPED):
            raise invalid_value(f"status must be one of {OPEN}, {DONE}, {STOPPED}")
        before = _int_param(query.get("before"), "before", 0) or None
        count = min(max(1, _int_param(query.get("count"), "count", 100)), MAX_LISTED)
        found = await run(storage.list_changes, status, query.get("user") or None, before, count)
        url = base_url(request) + CHANGES_ENDPOINT
        return scim_response({"schemas": [LIST_RESPONSE], "totalResults": len(found), "startIndex": 1,
                              "itemsPerPage": len(found), "Resources": [_body(c, url) for c in found]})

    @app.get(path + "/{id}")
    async def get_change(request: Request, id: str) -> Response:
        with_plan = request.query_params.get("plan", "").lower() in ("1", "true")
        change = await run(storage.get_change, _change_id(id), with_plan)
        if change is None:
            raise not_found(f"no change {id}")
        return scim_response(_body(change, base_url(request) + CHANGES_ENDPOINT))

    @app.get(path + "/{id}/writes")
    async def change_writes(request: Request, id: str) -> Response:
        number = _change_id(id)
        if await run(storage.change_status, number) is None:
            raise not_found(f"no change {id}")
        after = _int_param(request.query_params.get("after"), "after", 0)
        count = min(max(1, _int_param(request.query_params.get("count"), "count", MAX_LISTED)), MAX_LISTED)
        writes = await run(storage.change_writes, number, after, count)
        return scim_response({"schemas": [LIST_RESPONSE], "totalResults": len(writes), "startIndex": 1,
                              "itemsPerPage": len(writes), "Resources": writes})

    @app.patch(path + "/{id}")
    async def close_change(request: Request, id: str) -> Response:
        actor(request)
        number = _change_id(id)
        body = await read_json(request, 1024 * 1024)
        status = body.get("status") if isinstance(body, dict) else None
        if status == OPEN:
            change = await run(storage.reopen_change, number)
        elif status in (DONE, STOPPED):
            change = await run(storage.close_change, number, status, _dict_of(body, "outcome"))
        else:
            raise invalid_value(f"status must be one of {OPEN}, {DONE}, {STOPPED}")
        if change is None:
            raise not_found(f"no change {id}")
        return scim_response(_body(change, base_url(request) + CHANGES_ENDPOINT))
