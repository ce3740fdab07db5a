"""Checks of a whole import plan, beyond each row: the last active Account Admin, and values no user has yet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from roster_tui.core.models import TrainingAssignment
from roster_tui.core.plan import WRITES, Kind, Plan, PlanRow
from roster_tui.core.removal import cancels_phrase, restored_counts, restores_phrase
from roster_tui.core.removal_plan import last_admin_reason
from roster_tui.core.wording import plural

#: Fields whose values name groups of users: a value no user has yet is likely a typo.
GROUP_FIELDS = ("department", "division", "location")


class PlanSurvey:
    """One pass over a plan's rows (fed in slices by the caller) for the checks of the whole plan: the values
    written into group fields, whether an Account Admin is deactivated, and the users whose status changes."""

    def __init__(self, plan: Plan) -> None:
        self.by_id = plan.index.by_id if plan.index is not None else {}
        self.values: dict[str, Counter[str]] = {f: Counter() for f in GROUP_FIELDS}
        self.deactivates_an_admin = False
        self.status_changes: list[str] = []

    def add(self, rows: Iterable[PlanRow]) -> None:
        values, by_id = self.values, self.by_id
        for row in rows:
            action = row.action
            if action not in WRITES:
                continue
            changes = row.changes
            for name in GROUP_FIELDS:
                change = changes.get(name)
                if change is not None and change[1]:
                    values[name][change[1]] += 1
            if action == Kind.DEACTIVATE or action == Kind.REACTIVATE:
                if row.user_id:
                    self.status_changes.append(row.user_id)
                if action == Kind.DEACTIVATE and getattr(by_id.get(row.user_id or ""), "account_admin", False):
                    self.deactivates_an_admin = True

    @property
    def writes_group_values(self) -> bool:
        return any(self.values.values())


class KnownValues:
    """The group values (case-folded) of users (fed in slices)."""

    def __init__(self) -> None:
        self.values: dict[str, set[str]] = {f: set() for f in GROUP_FIELDS}

    def add(self, users: Iterable[Any]) -> None:
        department, division, location = (self.values[f] for f in GROUP_FIELDS)
        for user in users:
            if user.department:
                department.add(user.department.casefold())
            if user.division:
                division.add(user.division.casefold())
            if user.location:
                location.add(user.location.casefold())

    def unknown(self, written: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
        """Of the values ``written``, those no user has."""
        return {name: Counter({v: n for v, n in counts.items() if v.casefold() not in self.values[name]})
                for name, counts in written.items()}


def deactivates_an_admin(plan: Plan) -> bool:
    """Whether a planned deactivation is of an Account Admin (then :func:`keep_an_admin` needs the roster's)."""
    survey = PlanSurvey(plan)
    survey.add(plan.rows)
    return survey.deactivates_an_admin


def keep_an_admin(plan: Plan, active_admin_ids: Iterable[str]) -> None:
    """Turn into errors the deactivations that would leave the roster without an active Account Admin.

    ``active_admin_ids`` are all the roster's active Account Admins; deactivations are taken in plan order and
    the one that would remove the last of them is refused, with the reason.
    """
    remaining = set(active_admin_ids)
    index = plan.index
    for row in plan.rows:
        if row.action != Kind.DEACTIVATE or row.user_id not in remaining:
            continue
        if remaining - {row.user_id}:
            remaining.discard(row.user_id)
            continue
        user = index.by_id.get(row.user_id) if index is not None else None
        row.errors.append(last_admin_reason(user.email if user is not None else row.key, "deactivate"))
        row.action, row.changes = Kind.ERROR, {}


def unknown_values(plan: Plan) -> dict[str, Counter[str]]:
    """The group values the plan writes that no user of its index has (all of them, for a whole roster), with
    the number of rows writing each (in one go: a caller on an event loop feeds the two classes in slices)."""
    survey, known = PlanSurvey(plan), KnownValues()
    survey.add(plan.rows)
    known.add(plan.index.by_id.values() if plan.index is not None else ())
    return known.unknown(survey.values)


def note_new_values(plan: Plan, unknown: dict[str, Counter[str]]) -> None:
    """Warn once per value no user has yet, with its row count: new department 'Sales': 3 rows.

    Spellings that differ only in case are one value (the service compares them so), named as most rows spell it.
    """
    for name in GROUP_FIELDS:
        spellings: dict[str, Counter[str]] = {}
        for value, rows in unknown.get(name, Counter()).items():
            spellings.setdefault(value.casefold(), Counter())[value] += rows
        for variants in sorted(spellings.values(), key=lambda c: c.most_common(1)[0][0]):
            shown = variants.most_common(1)[0][0]
            others = [v for v in variants if v != shown]
            also = f"; also written {', '.join(map(repr, others))}" if others else ""
            plan.notes.append(f"new {name} {shown!r}: {plural(variants.total(), 'row')} "
                              f"(no user has it yet; a typo?{also})")


def note_training(plan: Plan, assignments: Mapping[str, Iterable[TrainingAssignment]]) -> None:
    """Say on each deactivation what it cancels of the user's training, and on each reactivation what it restores
    (``assignments``: by user id)."""
    for row in plan.rows:
        if row.action not in (Kind.DEACTIVATE, Kind.REACTIVATE) or row.user_id not in assignments:
            continue
        held = list(assignments[row.user_id])
        if row.action == Kind.DEACTIVATE:
            row.training = cancels_phrase(a.status.value for a in held)
        else:
            row.training = restores_phrase(restored_counts(held))
