"""Server-root search, ``POST /.search`` (RFC 7644 §3.4.3): Users and Groups in one ListResponse.

Each resource type reads the request with its own schema. A type whose schema lacks an attribute the filter
names has no match; ``sortBy`` sorts the types that have the attribute (the others keep their order); names in
``attributes``/``excludedAttributes`` that a type lacks are left out for that type, and are refused only when
no type has them. Users come first, then Groups; ``startIndex`` and ``count`` page through both in that order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from roster_tui.core.scim import CORE_USER, LIST_RESPONSE, SEARCH_REQUEST
from roster_tui.server import openapi as oa
from roster_tui.server.errors import ScimError, invalid_value, require_schema
from roster_tui.server.filters import AttrPath, parse_attribute_list
from roster_tui.server.group_render import group_dict, wants_members
from roster_tui.server.http import PREFIX, Limits, ListQuery, base_url, list_query, read_json, scim_response
from roster_tui.server.projection import parse_projection, projector
from roster_tui.server.render import resource_dict
from roster_tui.server.schemas import CORE_GROUP
from roster_tui.server.storage.base import Storage

_TYPES = (CORE_USER, CORE_GROUP)
_ID_ONLY = [AttrPath(None, "id")]  # what an ``attributes`` list none of whose names a type has keeps


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise invalid_value("attributes and excludedAttributes must be strings or lists of strings")


def _known(names: list[str], param: str, core: str, found: set[str]) -> list[AttrPath]:
    """The paths of ``names`` that the type whose core schema is ``core`` has; ``found`` collects those names."""
    paths: list[AttrPath] = []
    for name in names:
        try:
            paths += parse_projection(name, param, core)
        except ScimError:
            continue
        found.add(name)
    return paths


def root_queries(params: dict[str, Any], limits: Limits) -> list[tuple[str, ListQuery]]:
    """The query for each resource type that can match; the first type's error if none can."""
    attributes, excluded = _names(params.get("attributes")), _names(params.get("excludedAttributes"))
    sort_by = params.get("sortBy")
    base = {k: v for k, v in params.items() if k not in ("attributes", "excludedAttributes", "sortBy")}
    queries: list[tuple[str, ListQuery]] = []
    errors: list[ScimError] = []
    found: set[str] = set()
    sortable = not sort_by
    for core in _TYPES:
        try:
            query = list_query(base, limits, core)
        except ScimError as exc:  # its filter names what this type has not (or is wrong for every type)
            errors.append(exc)
            continue
        sort = None
        if isinstance(sort_by, str) and sort_by:
            try:
                [sort] = parse_attribute_list(sort_by, "sortBy", core) or [None]
                sortable = True
            except (ScimError, ValueError):
                sort = None
        kept = _known(attributes, "attributes", core, found)
        queries.append((core, replace(query, sort_by=sort, attributes=(kept or _ID_ONLY) if attributes else None,
                                      excluded=_known(excluded, "excludedAttributes", core, found) or None)))
    if not queries:
        raise errors[0]
    unknown = [n for n in attributes + excluded if n not in found]
    if unknown:
        raise invalid_value(f"no resource type has the attribute {unknown[0]!r}")
    if not sortable:
        raise invalid_value(f"no resource type can be sorted by {sort_by!r}")
    return queries


def root_search(storage: Storage, queries: list[tuple[str, ListQuery]], base: str) -> bytes:
    """One page of the resources of every type, in type order, and their total."""
    first = queries[0][1]
    skip, room, total = first.start - 1, first.count, 0
    resources: list[dict[str, Any]] = []
    for core, q in queries:
        shape = projector(q.attributes, q.excluded) if q.attributes or q.excluded else None
        if core == CORE_USER:
            n, users = storage.list(q.filter, q.sort_by, q.descending, skip, room)
            page = [resource_dict(u, f"{base}/Users") for u in users]
        else:
            n, groups = storage.list_groups(q.filter, q.sort_by, q.descending, skip, room,
                                            wants_members(q.attributes, q.excluded))
            page = [group_dict(g, base) for g in groups]
        resources += [shape(r) for r in page] if shape else page
        total, skip, room = total + n, max(0, skip - n), room - len(page)
    return orjson.dumps({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": first.start,
                         "itemsPerPage": len(resources), "Resources": resources})


def add_root_search(app: FastAPI, storage: Storage, lim: Limits, run: Any) -> None:
    @app.post(PREFIX + "/.search", openapi_extra=oa.body(oa.SEARCH))
    async def search_everything(request: Request) -> Response:
        body = require_schema(await read_json(request, lim.max_body), SEARCH_REQUEST)
        queries = root_queries(body, lim)
        return scim_response(await run(root_search, storage, queries, base_url(request)))
