"""Removing terminated users: deactivate or delete, decided by their training assignments (DOMAIN.md).

One implementation for the service (which enforces it) and the console and CLI (which explain it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from roster_tui.core.models import AssignmentStatus

#: Assignments that deactivation cancels; completed (and already cancelled) ones are kept as they are.
OPEN_STATUSES = frozenset({AssignmentStatus.NOT_STARTED.value, AssignmentStatus.IN_PROGRESS.value})


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
        cancels = f"; cancels {open_count} not yet completed" if open_count else ""
        return RemovalDecision(RemovalAction.DEACTIVATE, f"has {summary}: keeps the records{cancels}", counts)
    return RemovalDecision(RemovalAction.DEACTIVATE, "deactivation requested (delete was not asked for)", counts)


def cancelled_on_deactivation(status: str) -> str:
    """The status an assignment takes when its user is deactivated."""
    return AssignmentStatus.CANCELLED.value if status in OPEN_STATUSES else status
