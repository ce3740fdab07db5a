"""The shape of an import plan on the command line: its anomalies and its changes grouped by field and value, as
text (before the per-user list) and as the ``groups`` and ``anomalies`` of ``--json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from roster_tui.cli.output import Style
from roster_tui.core.plan import Plan
from roster_tui.core.plan_shape import field_counts
from roster_tui.core.wording import one_line, plural

#: Groups printed before the per-user list (``--groups`` prints them all, and no per-user list).
TOP_GROUPS = 10
#: Keys named on an anomaly's line (``--json`` has them all).
NAMED = 3


def _who(keys: list[str]) -> str:
    named = ", ".join(one_line(k) for k in keys[:NAMED])
    return f"{named}{f' and {len(keys) - NAMED:,} more' if len(keys) > NAMED else ''}" if keys else ""


def print_anomalies(plan: Plan, out: TextIO, s: Style) -> None:
    """Each anomaly on a line of its own, with the first users concerned."""
    if not plan.anomalies:
        return
    print(s(f"\nAnomalies ({len(plan.anomalies)}): what a routine file rarely does; check before applying",
            "1;35"), file=out)
    for anomaly in plan.anomalies:
        who = _who(anomaly.keys)
        print(s(f"  ! {one_line(anomaly.message)}", "35") + (f" ({who})" if who else ""), file=out)


def print_groups(plan: Plan, out: TextIO, s: Style, every: bool = False) -> None:
    """The changes by field, then the largest groups (``every``: all of them)."""
    groups = plan.groups
    if not groups:
        return
    fields = " · ".join(f"{name} {count:,}" for name, count in field_counts(groups).items())
    print(s(f"\nChanges by field ({plural(len(groups), 'group')}): {fields}", "1"), file=out)
    shown = groups if every else groups[:TOP_GROUPS]
    width = len(f"{shown[0].count:,}")
    for group in shown:
        print(f"  {group.count:>{width},}  {group.field}: {one_line(group.change)}", file=out)
    if len(groups) > len(shown):
        rest = sum(g.count for g in groups[len(shown):])
        print(s(f"  … and {len(groups) - len(shown):,} more groups of {plural(rest, 'change')} "
                "(--groups lists them all)", "2"), file=out)


def shape_json_parts(plan: Plan, dumps: Callable[[object], bytes]) -> list[bytes]:
    """The ``"anomalies":[...]`` and ``"groups":[...]`` members of ``--json`` (each group dumped on its own: a
    large plan's groups name every user)."""
    anomalies = b'"anomalies":' + dumps([a.as_json() for a in plan.anomalies])
    groups = b'"groups":[' + b",".join(dumps(g.as_json()) for g in plan.groups) + b"]"
    return [anomalies, groups]
