"""A plan's shape against the roster API: its changes grouped (in slices) and the anomalies, with the facts they
need from the service (how long reactivated users were inactive, managers' reports, the last import of the same
mapping in the change journal). Whatever a server cannot answer makes that check step aside, never fail the plan."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from roster_tui.core.anomalies import Facts, count_reports, find_anomalies, leaving_reports
from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.plan import Plan
from roster_tui.core.plan_shape import STATUS, Grouper
from roster_tui.core.roster import RosterIndex
from roster_tui.core.scim import FIELD_PATHS, user_from_scim
from roster_tui.scim import changes as journal
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.roster_index import LOOKUP_CONCURRENCY, eq_filters, look_up
from roster_tui.sync.slices import run_in_slices

#: Reactivated users whose last change is looked up (a file with more: these only, so "at least").
MAX_SINCE_LOOKUPS = 10_000
#: Managers whose reports are counted by a filter when the plan does not hold the whole roster.
MAX_REPORT_COUNTS = 200
#: Changes of the journal searched for the last import of the same mapping.
JOURNAL_DEPTH = 100


async def group_plan(plan: Plan) -> None:
    """Group the plan's changes (``plan.groups``), in slices."""
    grouper = Grouper()
    await run_in_slices(iter(plan.rows), grouper.add)
    plan.groups = grouper.groups()


async def _previous(client: RosterClient, key: str) -> tuple[int, str, int] | None:
    """The last import the journal recorded with this mapping: (change, file, rows)."""
    if not (await client.features()).changes:
        return None  # another SCIM server keeps no journal: the check steps aside
    with contextlib.suppress(RosterApiError):
        for change in await journal.list_changes(client, count=JOURNAL_DEPTH):
            source = change.source
            if change.kind == "import" and source.get("mapping") == key and isinstance(source.get("rows"), int):
                return change.id, str(source.get("file") or ""), int(source["rows"])
    return None


async def _inactive_since(client: RosterClient, plan: Plan, least: int | None) -> dict[str, str | None] | None:
    """When each reactivated user was last written (None when there are too few to matter)."""
    ids = [r.user_id for g in plan.groups if g.field == STATUS and g.after == "active" for r in g.rows if r.user_id]
    if least is None or len(ids) < least:
        return None
    try:
        index = await look_up(client, eq_filters("id", ids[:MAX_SINCE_LOOKUPS]), RosterIndex(),
                              attributes=["id", "meta.lastModified"], decode=user_from_scim)
    except RosterApiError:
        return None
    return {user_id: user.last_modified for user_id, user in index.by_id.items()}


async def _reports(client: RosterClient, plan: Plan, least: int | None) -> dict[str, int] | None:
    """The active reports of each manager the plan takes at least ``least`` reports from."""
    if least is None:
        return None
    wanted = [m for m, rows in leaving_reports(plan, plan.groups).items() if len(rows) >= least]
    if not wanted:
        return {}
    index = plan.index
    if index is not None and index.complete:
        return count_reports(index.by_id.values(), wanted)
    gate, out = asyncio.Semaphore(LOOKUP_CONCURRENCY), {}

    async def one(manager: str) -> None:
        async with gate:
            with contextlib.suppress(RosterApiError):  # a server that cannot filter so: the manager is left out
                page = await client.list_users(count=0, filter=f"{FIELD_PATHS['manager']} eq {json.dumps(manager)} "
                                                                "and active eq true")
                out[manager] = page.total_results

    await asyncio.gather(*(one(m) for m in wanted[:MAX_REPORT_COUNTS]))
    return out


async def shape_plan(client: RosterClient, plan: Plan, rows: int, key: str | None,
                     limits: AnomalyLimits | None = None) -> None:
    """Group the plan's changes and find its anomalies (``plan.groups``, ``plan.anomalies``); ``rows``: the
    file's, ``key``: its mapping's
    (:attr:`~roster_tui.sync.import_file.PreparedFile.mapping_key`)."""
    limits = limits or AnomalyLimits()
    await group_plan(plan)
    since, reports, previous = await asyncio.gather(
        _inactive_since(client, plan, limits.old_reactivations), _reports(client, plan, limits.manager_reports),
        _previous(client, key) if key and limits.row_change is not None else _none())
    facts = Facts(rows=rows, inactive_since=since, reports=reports, previous=previous)
    plan.anomalies = find_anomalies(plan, plan.groups, facts, limits)


async def _none() -> Any:
    return None
