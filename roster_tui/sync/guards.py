"""The guards of a plan made against the roster API: how many users the roster has, asked only when a share
guard needs it; the checking itself is :mod:`roster_tui.core.guards`."""

from __future__ import annotations

from roster_tui.core.guards import Guard, Limits, hold
from roster_tui.core.plan import Plan
from roster_tui.core.removal_plan import RemovalPlan
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError


async def roster_size(client: RosterClient) -> int | None:
    """How many users the roster has (one ``count=0`` page); None when the server cannot say."""
    try:
        page = await client.list_users(count=0, attributes=["id"])
    except RosterApiError:
        return None
    return page.total_results


async def guard_plan(client: RosterClient, plan: Plan | RemovalPlan, limits: Limits,
                     roster: int | None = None) -> list[Guard]:
    """Check ``plan`` against ``limits`` (:func:`~roster_tui.core.guards.hold`); ``roster``: the roster's size when
    already known, else asked of the service if the share guard has something to count."""
    if roster is None and isinstance(plan, Plan) and plan.index is not None and plan.index.complete:
        roster = len(plan.index.by_id)
    writes = plan.changes
    if roster is None and limits.max_share is not None and writes:
        roster = await roster_size(client)
    return hold(plan, limits, roster)
