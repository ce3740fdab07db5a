"""Checks of a whole import plan, beyond each row: the last active Account Admin, and values no user has yet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from roster_tui.core.models import TrainingAssignment
from roster_tui.core.plan import WRITES, Kind, Plan
from roster_tui.core.removal import cancels_phrase, restored_counts, restores_phrase
from roster_tui.core.removal_plan import last_admin_reason
from roster_tui.core.wording import plural

#: Fields whose values name groups of users: a value no user has yet is likely a typo.
GROUP_FIELDS = ("department", "division", "location")


def deactivates_an_admin(plan: Plan) -> bool:
    """Whether a planned deactivation is of an Account Admin (then :func:`keep_an_admin` needs the roster's)."""
    index = plan.index
    if index is None:
        return False
    return any(r.action == Kind.DEACTIVATE and getattr(index.by_id.get(r.user_id or ""), "account_admin", False)
               for r in plan.rows)


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


def new_values(plan: Plan) -> dict[str, Counter[str]]:
    """The values the plan writes into each group field, with the number of rows writing each."""
    out: dict[str, Counter[str]] = {f: Counter() for f in GROUP_FIELDS}
    for row in plan.rows:
        if row.action not in WRITES:
            continue
        for name in GROUP_FIELDS:
            change = row.changes.get(name)
            if change is not None and change[1]:
                out[name][change[1]] += 1
    return out


def known_values(plan: Plan) -> dict[str, set[str]]:
    """The group values (case-folded) the users the plan was made against already have."""
    out: dict[str, set[str]] = {f: set() for f in GROUP_FIELDS}
    if plan.index is not None:
        for user in plan.index.by_id.values():
            for name in GROUP_FIELDS:
                value = getattr(user, name, None)
                if value:
                    out[name].add(value.casefold())
    return out


def unknown_values(plan: Plan) -> dict[str, Counter[str]]:
    """The values of :func:`new_values` that no user of the plan's index has (all of them, for a whole roster)."""
    known = known_values(plan)
    return {name: Counter({v: n for v, n in counts.items() if v.casefold() not in known[name]})
            for name, counts in new_values(plan).items()}


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
