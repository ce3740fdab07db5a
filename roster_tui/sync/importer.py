"""Planning a CSV import against the roster API: scan the file, fetch what the plan needs, plan, check.

Planning streams the file twice (keys first, then rows) and fetches only the users it needs: batched
``filter`` lookups for a small file, one crawl of the roster for a large one (or for the full sync).
The file is :mod:`~roster_tui.sync.import_file`, reading the roster :mod:`~roster_tui.sync.roster_index`;
writing a plan is :mod:`~roster_tui.sync.apply`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable

from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.guards import Limits
from roster_tui.core.plan import Plan, PlanBuilder
from roster_tui.core.plan_checks import KnownValues, PlanSurvey, keep_an_admin, note_new_values, note_training
from roster_tui.core.roster import RosterIndex
from roster_tui.core.scim import FIELD_PATHS
from roster_tui.core.validation import RowResult
from roster_tui.heap import gc_paused
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.guards import guard_plan
from roster_tui.sync.import_file import PreparedFile
from roster_tui.sync.remover import active_account_admins
from roster_tui.sync.roster_index import LOOKUP_CONCURRENCY, assignments_by_id, crawl, fetch_index, prefer_crawl
from roster_tui.sync.shape import shape_plan
from roster_tui.sync.slices import run_in_slices

#: Distinct new group values asked about one by one (a file with more gets notes for these only).
MAX_VALUE_CHECKS = 200
#: Status changes whose training is looked up for the preview (what each cancels or restores).
MAX_TRAINING_LOOKUPS = 10_000
#: Rows checked ahead while the roster is fetched (bounds what a huge file holds in memory).
CHECK_AHEAD = 200_000
#: ``progress(stage, rows)``: stage "scanning", "checking" (while the roster is fetched) or "planning".
Progress = Callable[[str, int], object]


async def scan_file(prepared: PreparedFile, progress: Progress | None = None) -> None:
    """The first pass of a file prepared with ``scan=False``, in slices (the event loop keeps running)."""
    with gc_paused():
        await run_in_slices(iter(prepared.csv.records()), prepared.scan_records,
                            progress=None if progress is None else lambda n: progress("scanning", n))
    prepared.end_scan()


async def plan_import(client: RosterClient, prepared: PreparedFile, *, deactivate_missing: bool = False,
                      force: bool = False, progress: Progress | None = None, limits: Limits | None = None,
                      anomalies: AnomalyLimits | None = None) -> Plan:
    """Fetch what is needed and build the plan of a prepared file (scanned here if it was not yet), checked
    against the guards' ``limits`` (default: :class:`Limits`' defaults; ``force`` passes them), its changes
    grouped and its anomalies found (:mod:`~roster_tui.sync.shape`; ``anomalies``: when they are called out).

    The rows are checked while the roster is fetched (and, when the file is large enough that the whole
    roster is paged through anyway, scanned meanwhile too). All the CPU work runs in slices on the event
    loop, so the requests (and a console sharing the loop) keep going.
    """
    with gc_paused():
        plan = await _plan(client, prepared, deactivate_missing, force, progress)
    await guard_plan(client, plan, limits or Limits())
    with gc_paused():
        await shape_plan(client, plan, prepared.scan.rows, prepared.mapping_key, anomalies)
    return plan


async def _plan(client: RosterClient, prepared: PreparedFile, deactivate_missing: bool, force: bool,
                progress: Progress | None) -> Plan:
    features = await client.features()
    lacking = features.unavailable(list(prepared.mapping.fields.values()))
    if lacking:
        prepared.drop_fields(lacking)
    fetch: asyncio.Future[RosterIndex] | None = None
    try:
        if not prepared.scanned:
            if deactivate_missing or await _crawl_is_likely(client, prepared):
                fetch = asyncio.ensure_future(crawl(client))  # the whole roster comes while the file is read
            await scan_file(prepared, progress)
        if fetch is None:
            fetch = asyncio.ensure_future(fetch_index(client, prepared.scan, full=deactivate_missing))
        rows = iter(prepared.rows())
        ahead: list[RowResult] = []
        await run_in_slices(rows, ahead.extend, until=fetch, limit=CHECK_AHEAD,
                            progress=None if progress is None else lambda n: progress("checking", n))
        index = await fetch
    finally:
        if fetch is not None:
            fetch.cancel()
    builder = PlanBuilder(index, prepared.scan, prepared.sync_key)

    def report(offset: int) -> Callable[[int], object] | None:
        return None if progress is None else lambda n: progress("planning", offset + n)

    await run_in_slices(iter(ahead), builder.add, progress=report(0))
    done = len(ahead)
    del ahead
    await run_in_slices(rows, builder.add, progress=report(done))
    plan = builder.finish(deactivate_missing=deactivate_missing, force=force)
    plan.notes.extend(prepared.dropped)
    await check_plan(client, plan)
    return plan


async def check_plan(client: RosterClient, plan: Plan) -> None:
    """The checks that need more of the roster than the plan fetched: the last active Account Admin is never
    deactivated, a group value (department, division, location) no user has yet is noted once, and a status
    change says what it does to the user's training. The passes over the plan run in slices."""
    survey = PlanSurvey(plan)
    await run_in_slices(iter(plan.rows), survey.add)
    if survey.deactivates_an_admin:
        keep_an_admin(plan, await active_account_admins(client))
    if survey.writes_group_values:
        known = KnownValues()
        await run_in_slices(iter(plan.index.by_id.values() if plan.index is not None else ()), known.add)
        unknown = known.unknown(survey.values)
        if plan.index is None or not plan.index.complete:
            unknown = await _not_in_roster(client, unknown)
        note_new_values(plan, unknown)
    if survey.status_changes:
        with contextlib.suppress(RosterApiError):  # a server without the training extension: nothing to say
            note_training(plan, await assignments_by_id(client, survey.status_changes[:MAX_TRAINING_LOOKUPS]))


async def _not_in_roster(client: RosterClient, values: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
    """Of ``values``, those no user of the roster has (asked with ``eq`` counts; a server that cannot answer
    such a filter leaves the values out: the note is advice, never a reason to fail)."""
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)
    asked = [(name, value) for name, counts in values.items() for value in counts][:MAX_VALUE_CHECKS]
    found: set[tuple[str, str]] = set()

    async def one(name: str, value: str) -> None:
        async with gate:
            try:
                page = await client.list_users(filter=f"{FIELD_PATHS[name]} eq {json.dumps(value)}", count=0)
            except RosterApiError:
                found.add((name, value))
                return
        if page.total_results:
            found.add((name, value))

    await asyncio.gather(*(one(n, v) for n, v in asked))
    wanted = set(asked) - found
    return {name: Counter({v: n for v, n in counts.items() if (name, v) in wanted}) for name, counts in values.items()}


async def _crawl_is_likely(client: RosterClient, prepared: PreparedFile) -> bool:
    """Whether the file looks large enough, against the roster's size, that the plan will page through it all."""
    total = (await client.list_users(count=0)).total_results
    return total > 0 and prefer_crawl(prepared.csv.estimated_records(), total)
