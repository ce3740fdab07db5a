"""``GET /Users/.values``: how many users hold each value of a roster attribute (a roster extension, not SCIM).

    GET /scim/v2/Users/.values?attribute=department[&filter=<SCIM filter>][&count=N]

answers ``{"schemas": [VALUE_COUNTS], "attribute", "path", "totalUsers", "totalValues", "moreValues",
"values": [{"value", "count"[, "display"]}]}``, the values sorted by count (most first) then by what is shown,
at most ``count`` (default and limit 1,000) of them; ``moreValues`` says how many were left off. ``value`` is
what a filter compares (``<path> eq <value>``; null: the blank row, absent or empty values, ``not (<path> pr)``);
``display`` is how to show it when it differs (the blank row, a status, a manager's or group's name).
Announced in ServiceProviderConfig under :data:`~roster_tui.core.facets.ROSTER_SPC`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from roster_tui.core.facets import BLANK, FACETS, MAX_VALUES, VALUE_COUNTS, VALUES_ENDPOINT
from roster_tui.server import openapi as oa
from roster_tui.server.errors import invalid_value
from roster_tui.server.filters import parse_filter, resolve_path
from roster_tui.server.http import PREFIX, _int_param, scim_response
from roster_tui.server.storage.base import Storage
from roster_tui.server.storage.value_counts import ValueCounts

Run = Callable[..., Awaitable[Any]]
#: Other names an attribute may be asked by (SCIM's own, for those the roster names differently).
ALIASES = {"active": "status", "groups": "group", "groups.value": "group", "manager.value": "manager"}


def facet_name(text: str) -> str:
    """The roster name of the attribute ``text`` names (a roster name or a SCIM path); 400 if none is counted."""
    lowered = text.strip().lower()
    if lowered in FACETS or lowered in ALIASES:
        return ALIASES.get(lowered, lowered)
    try:
        asked = resolve_path(text.strip())
        named = {str(resolve_path(f.path)): f.name for f in FACETS.values()}
        found = named.get(str(asked)) or named.get(f"{asked}.value")
    except (LookupError, ValueError):
        found = None
    if found is None:
        raise invalid_value(f"attribute {text[:80]!r} has no value counts; ask for one of: {', '.join(FACETS)}")
    return found


def values_body(name: str, counts: ValueCounts) -> dict[str, Any]:
    values = []
    for row in counts.rows:
        entry: dict[str, Any] = {"value": row.value, "count": row.count}
        display = BLANK if row.value is None else row.display
        if display is not None and display != row.value:
            entry["display"] = display
        values.append(entry)
    return {"schemas": [VALUE_COUNTS], "attribute": name, "path": FACETS[name].path, "totalUsers": counts.users,
            "totalValues": counts.distinct, "moreValues": counts.distinct - len(values), "values": values}


def add_value_routes(app: FastAPI, storage: Storage, run: Run) -> None:
    """Serve ``/Users/.values`` on ``app`` (before ``/Users/{id}``, which would take ``.values`` for an id)."""
    params = [{"name": "attribute", "in": "query", "required": True, "schema": {"type": "string",
                                                                                   "enum": list(FACETS)}},
              {"name": "filter", "in": "query", "required": False, "schema": {"type": "string"}},
              {"name": "count", "in": "query", "required": False, "schema": {"type": "integer"}}]

    @app.get(PREFIX + VALUES_ENDPOINT, openapi_extra=oa.params(*params))
    async def user_values(request: Request) -> Response:
        query = request.query_params
        attribute = query.get("attribute")
        if not attribute:
            raise invalid_value(f"attribute is required: one of {', '.join(FACETS)}")
        name = facet_name(attribute)
        filter_text = query.get("filter")
        node = parse_filter(filter_text) if filter_text else None
        count = min(max(0, _int_param(query.get("count"), "count", MAX_VALUES)), MAX_VALUES)
        counts = await run(storage.value_counts, name, node, count)
        return scim_response(values_body(name, counts))
