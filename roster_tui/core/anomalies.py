"""Anomalies of an import plan: what a routine file rarely does, called out at the top of the preview with its count
and the rows concerned. Advice, never a hold (the guards hold). Pure: the facts that need the roster service (how
long users have been inactive, managers' reports, the last import's rows) come in as :class:`Facts`.

| setting | default | called out when … |
|---|---|---|
| ``value_share`` | 80 (%) | one value receives more than this share of a field's changes (at least ``min_users``, 25) |
| ``clears`` | 20 | a field is cleared (``[clear]``) for at least this many users |
| ``old_reactivations`` | 10 | at least this many reactivated users have been inactive over ``inactive_days`` |
| ``manager_reports`` | 3 | a manager with at least this many active reports loses all of them |
| ``row_change`` | 50 (%) | the file's row count differs by more than this from the last import of the same mapping |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.guards import percent
from roster_tui.core.plan import Kind, Plan, PlanRow
from roster_tui.core.plan_shape import NEW, STATUS, Group, shown
from roster_tui.core.roster import display_manager
from roster_tui.core.wording import plural


@dataclass(frozen=True)
class Facts:
    """What the checks know beyond the plan (None: not known, the check steps aside).

    ``inactive_since``: by user id, the last time each inactive user was written (``meta.lastModified``: they have
    been inactive at least since then); ``reports``: by manager id, their active reports in the roster;
    ``previous``: the last import of the same mapping (a change of the journal) as ``(change id, file, rows)``.
    """

    rows: int = 0
    today: dt.date = field(default_factory=dt.date.today)
    inactive_since: Mapping[str, str | None] | None = None
    reports: Mapping[str, int] | None = None
    previous: tuple[int, str, int] | None = None


@dataclass
class Anomaly:
    """One thing the plan does that a routine file rarely does: which check, how many, the sentence, the rows."""

    check: str
    count: int
    message: str
    rows: list[PlanRow] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.rows]

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "count": self.count, "message": self.message, "keys": self.keys}


def _value_share(groups: list[Group], limits: AnomalyLimits) -> list[Anomaly]:
    share = limits.value_share
    if share is None:
        return []
    totals: dict[str, int] = {}
    for group in groups:
        totals[group.field] = totals.get(group.field, 0) + group.count
    out, seen = [], set()
    for group in groups:  # largest first: each field's largest value comes first
        if group.field in (NEW, STATUS) or group.after is None or group.field in seen:
            continue
        seen.add(group.field)
        total = totals[group.field]
        if group.count >= limits.min_users and group.count * 100 > share * total:
            out.append(Anomaly("value_share", group.count, (
                f"{group.field}: {group.count:,} of {total:,} changes ({percent(100 * group.count / total)}) "
                f"write one value, {shown(group.after)!r}"), group.rows))
    return out


def _clears(groups: list[Group], limits: AnomalyLimits) -> list[Anomaly]:
    least = limits.clears
    if least is None:
        return []
    cleared: dict[str, list[PlanRow]] = {}
    for group in groups:
        if group.after is None and group.field not in (NEW, STATUS):
            cleared.setdefault(group.field, []).extend(group.rows)
    return [Anomaly("clears", len(rows), f"{name}: cleared ([clear] in the file) for {plural(len(rows), 'user')}",
                    rows) for name, rows in cleared.items() if len(rows) >= least]


def _status_rows(groups: list[Group], after: str) -> list[PlanRow]:
    return next((g.rows for g in groups if g.field == STATUS and g.after == after), [])


def _old_reactivations(groups: list[Group], facts: Facts, limits: AnomalyLimits) -> list[Anomaly]:
    least, since = limits.old_reactivations, facts.inactive_since
    if least is None or since is None:
        return []
    cutoff = (facts.today - dt.timedelta(days=limits.inactive_days)).isoformat()
    old = [r for r in _status_rows(groups, "active") if r.user_id and (stamp := since.get(r.user_id))
           and stamp[:10] < cutoff]
    if len(old) < least:
        return []
    return [Anomaly("old_reactivations", len(old), f"reactivates {plural(len(old), 'user')} inactive (and "
                    f"unchanged) for over {plural(limits.inactive_days, 'day')}", old)]


def leaving_reports(plan: Plan, groups: list[Group]) -> dict[str, list[PlanRow]]:
    """By manager id, the plan's rows (``groups``: its groups) that take an active report away from them (a new or
    cleared manager, or a deactivation); managers the plan deactivates, or gives a new report, are left out. Looks
    at the rows of the groups that matter only (not every row of the plan)."""
    if plan.index is None:
        return {}
    by_id = plan.index.by_id
    moved = [r for g in groups if g.field == "manager" for r in g.rows]
    going = _status_rows(groups, "inactive")
    gaining = {r.manager_id for r in moved if r.manager_id}
    gaining.update(r.manager_id for g in groups if g.field == NEW for r in g.rows if r.manager_id)
    gone = {r.user_id for r in going}
    leaving: dict[str, list[PlanRow]] = {}
    seen: set[str] = set()
    for row in (*moved, *going):
        if not row.user_id or row.user_id in seen or row.action == Kind.REACTIVATE:
            continue
        seen.add(row.user_id)
        user = by_id.get(row.user_id)
        if user is not None and user.active and user.manager_id:
            leaving.setdefault(user.manager_id, []).append(row)
    return {m: rows for m, rows in leaving.items() if m not in gaining and m not in gone}


def count_reports(users: Iterable[Any], managers: Iterable[str]) -> dict[str, int]:
    """The active reports of each of ``managers`` among ``users`` (a whole roster)."""
    wanted = set(managers)
    counts = dict.fromkeys(wanted, 0)
    for user in users:
        if user.manager_id in wanted and user.active:
            counts[user.manager_id] += 1
    return counts


def _managers(plan: Plan, groups: list[Group], facts: Facts, limits: AnomalyLimits) -> list[Anomaly]:
    least, reports = limits.manager_reports, facts.reports
    if least is None or reports is None:
        return []
    lost = [(m, rows) for m, rows in leaving_reports(plan, groups).items()
            if len(rows) >= least and reports.get(m) == len(rows)]
    if not lost:
        return []
    lost.sort(key=lambda item: -len(item[1]))
    named = [f"{shown(display_manager(plan.index, m) if plan.index else None)} ({len(rows)})" for m, rows in lost[:3]]
    more = f" and {len(lost) - 3:,} more" if len(lost) > 3 else ""
    verb = "loses" if len(lost) == 1 else "lose"
    rows = [r for _m, group in lost for r in group]
    return [Anomaly("manager_reports", len(lost), f"{plural(len(lost), 'manager')} {verb} all their reports: "
                    f"{', '.join(named)}{more}", rows)]


def _row_change(facts: Facts, limits: AnomalyLimits) -> list[Anomaly]:
    share, previous = limits.row_change, facts.previous
    if share is None or previous is None or previous[2] <= 0:
        return []
    change, name, before = previous
    if abs(facts.rows - before) * 100 <= share * before:
        return []
    diff = 100 * (facts.rows - before) / before
    return [Anomaly("row_change", facts.rows, f"the file has {plural(facts.rows, 'row')}, {diff:+.0f}% against the "
                    f"last import with the same mapping ({before:,} rows: change {change}, {shown(name)})")]


def find_anomalies(plan: Plan, groups: list[Group], facts: Facts, limits: AnomalyLimits) -> list[Anomaly]:
    """What the plan (``groups``: :func:`~roster_tui.core.plan_shape.plan_groups`) does that a routine file
    rarely does, in :data:`SWITCHES` order."""
    return [*_row_change(facts, limits), *_value_share(groups, limits), *_clears(groups, limits),
            *_old_reactivations(groups, facts, limits), *_managers(plan, groups, facts, limits)]
