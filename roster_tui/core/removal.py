"""Removing terminated users: deactivate or delete, decided by their training assignments (docs/RULES.md).

One implementation for the service (which enforces it) and the console and CLI (which explain it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from roster_tui.core.models import AssignmentStatus, TrainingAssignment
from roster_tui.core.wording import plural

#: Assignments that deactivation cancels; completed (and already cancelled) ones are kept as they are.
OPEN_STATUSES = frozenset({AssignmentStatus.NOT_STARTED.value, AssignmentStatus.IN_PROGRESS.value})
CANCELLED = AssignmentStatus.CANCELLED.value
#: The read-only sub-attribute of an assignment that deactivation cancelled: the status it had before.
BEFORE_DEACTIVATION = "statusBeforeDeactivation"


class RemovalAction(StrEnum):
    DELETE = "delete"
    DEACTIVATE = "deactivate"
    NONE = "none"  # already inactive: nothing to do


@dataclass(frozen=True)
class RemovalDecision:
    """What removing one user will do, and why."""

    action: RemovalAction
    reason: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cancels(self) -> int:
        """Assignments a deactivation cancels."""
        return sum(n for status, n in self.counts.items() if status in OPEN_STATUSES)


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    return dict(Counter(statuses))


def describe_counts(counts: dict[str, int]) -> str:
    """``2 completed, 1 in progress`` in the order of the statuses' lifecycle."""
    order = [s.value for s in AssignmentStatus]
    parts = [f"{counts[s]} {s.replace('_', ' ')}" for s in order if counts.get(s)]
    return ", ".join(parts) if parts else "no training assignments"


def assignments_phrase(counts: dict[str, int]) -> str:
    """What a user "has": ``1 training assignment (1 cancelled)``, ``3 training assignments (2 completed, ...)``."""
    if not counts:
        return "no training assignments"
    return f"{plural(sum(counts.values()), 'training assignment')} ({describe_counts(counts)})"


def can_delete(statuses: Iterable[str]) -> bool:
    """Deleting is allowed only when there is nothing to keep: no training assignments at all."""
    return not any(True for _ in statuses)


def decide(active: bool, statuses: Iterable[str], *, delete_when_allowed: bool) -> RemovalDecision:
    """Deactivate by default; delete only when asked and the user has no assignments at all."""
    counts = status_counts(statuses)
    summary = describe_counts(counts)
    if delete_when_allowed and not counts:
        return RemovalDecision(RemovalAction.DELETE, "no training assignments: nothing to keep", counts)
    if not active:
        return RemovalDecision(RemovalAction.NONE, f"already inactive ({summary})", counts)
    if counts:
        open_count = sum(n for s, n in counts.items() if s in OPEN_STATUSES)
        cancels = f"; {cancels_phrase(counts)}" if open_count else ""
        reason = f"has {assignments_phrase(counts)}: keeps the records{cancels}"
        return RemovalDecision(RemovalAction.DEACTIVATE, reason, counts)
    return RemovalDecision(RemovalAction.DEACTIVATE, "deactivation requested (delete was not asked for)", counts)


def cancelled_on_deactivation(status: str) -> str:
    """The status an assignment takes when its user is deactivated."""
    return AssignmentStatus.CANCELLED.value if status in OPEN_STATUSES else status


def deactivate_assignments(assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A deactivated user's SCIM assignments: each open one cancelled, recording the status it had."""
    return [{**a, "status": CANCELLED, BEFORE_DEACTIVATION: a["status"]} if a.get("status") in OPEN_STATUSES else a
            for a in assignments]


def _restored(status: str | None, before: str | None) -> str | None:
    """The status reactivation gives back: only to an assignment deactivation cancelled and nobody changed since."""
    return before if status == CANCELLED and before in OPEN_STATUSES else None


def reactivate_assignments(assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A reactivated user's SCIM assignments: what deactivation cancelled gets its status back, unless the
    training platform changed it since; the record of the status before deactivation goes in every case."""
    out = []
    for a in assignments:
        if BEFORE_DEACTIVATION not in a:
            out.append(a)
            continue
        kept = {k: v for k, v in a.items() if k != BEFORE_DEACTIVATION}
        restored = _restored(a.get("status"), a[BEFORE_DEACTIVATION])
        out.append({**kept, "status": restored} if restored else kept)
    return out


def restored_counts(assignments: Iterable[TrainingAssignment | Mapping[str, Any]]) -> dict[str, int]:
    """What reactivating a user would restore, counted by the status each assignment gets back.

    Takes the console's :class:`TrainingAssignment` or the service's SCIM dicts.
    """
    restored = (
        _restored(a.status, a.status_before_deactivation) if isinstance(a, TrainingAssignment)
        else _restored(a.get("status"), a.get(BEFORE_DEACTIVATION))
        for a in assignments)
    return status_counts(str(s) for s in restored if s)


def _counts(statuses: Iterable[str] | Mapping[str, int]) -> dict[str, int]:
    return {str(s): n for s, n in statuses.items() if n} if isinstance(statuses, Mapping) \
        else status_counts(str(s) for s in statuses)


def cancels_phrase(statuses: Iterable[str] | Mapping[str, int]) -> str:
    """What deactivation cancels, from a user's statuses or their counts: ``cancels 2 not-yet-completed
    assignments (1 not started, 1 in progress)``; ``cancels no assignments`` when none is open."""
    open_counts = {s: n for s, n in _counts(statuses).items() if s in OPEN_STATUSES}
    total = sum(open_counts.values())
    if not total:
        return "cancels no assignments"
    return f"cancels {plural(total, 'not-yet-completed assignment')} ({describe_counts(open_counts)})"


def restores_phrase(restored: Iterable[str] | Mapping[str, int]) -> str:
    """What reactivation restores, from the restored statuses or :func:`restored_counts`: ``restores 2
    assignments that deactivation cancelled (1 not started, 1 in progress)``; ``restores no assignments``."""
    counts = _counts(restored)
    total = sum(counts.values())
    if not total:
        return "restores no assignments"
    return f"restores {plural(total, 'assignment')} that deactivation cancelled ({describe_counts(counts)})"
