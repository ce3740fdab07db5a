"""The shape of an import plan: its changes grouped by field and by the value written, largest first ("title: 37
users Engineering Manager → Senior Engineering Manager"), each group holding its rows so it can be opened. Pure,
one pass over the plan's rows (a 100,000-row plan takes a few hundredths of a second).

A group is every writing row that sets one field to one value (a clear is the value None); when all its rows had
the same value before, that is the group's ``before``, else the group says from how many values. Status changes
are a group each way; new users are grouped by department.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from roster_tui.core.plan import Kind, Plan, PlanRow
from roster_tui.core.wording import one_line, plural

#: The ``field`` of the groups of new users (by department).
NEW = "new users"
#: The ``field`` of the groups of status changes.
STATUS = "status"
_MIXED = object()  # a group's rows had different values before


def shown(value: Any) -> str:
    """A value as a group names it: on one line, blank as ``(blank)``."""
    return "(blank)" if value in (None, "") else one_line(str(value))


@dataclass(slots=True)
class Group:
    """The writing rows of a plan that set ``field`` to ``after`` (None: cleared).

    ``before`` is the value all of them had (``befores`` == 1), else None with ``befores`` the number of values.
    """

    field: str
    after: Any
    rows: list[PlanRow] = field(default_factory=list)
    before: Any = None
    befores: int = 1

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def keys(self) -> list[str]:
        """Who: each row's key (email or employee ID, as the file has it)."""
        return [r.key for r in self.rows]

    @property
    def change(self) -> str:
        """What the group does, without its count: ``Engineering Manager → Senior Engineering Manager``."""
        if self.field == NEW:
            return f"in {shown(self.after)}" if self.after else "with no department"
        if self.field == STATUS:
            return "reactivated" if self.after == "active" else "deactivated"
        manager = self.field == "manager"
        after = ("(none)" if manager else "[clear]") if self.after is None else shown(self.after)
        if self.befores > 1:
            return f"→ {after} (from {self.befores} {'managers' if manager else 'values'})"
        return f"{shown(self.before)} → {after}"

    @property
    def text(self) -> str:
        """``title: 37 users Engineering Manager → Senior Engineering Manager``."""
        return f"{self.field}: {plural(self.count, 'user')} {self.change}"

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before if self.befores == 1 else None, "befores": self.befores,
                "after": self.after, "count": self.count, "text": self.text, "keys": self.keys}


def _add(groups: dict[tuple[str, Any], list[Any]], name: str, before: Any, after: Any, row: PlanRow) -> None:
    """One row into the group of (``name``, ``after``): [rows, the one before or _MIXED, the set of befores]."""
    entry = groups.get((name, after))
    if entry is None:
        groups[(name, after)] = [[row], before, None]
    else:
        entry[0].append(row)
        if entry[2] is not None:
            entry[2].add(before)
        elif entry[1] != before:
            entry[2] = {entry[1], before}
            entry[1] = _MIXED


class Grouper:
    """Groups a plan's writing rows fed in slices (:meth:`add`); :meth:`groups` gives them, largest first."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, Any], list[Any]] = {}
        self._creates: dict[Any, list[PlanRow]] = {}

    def add(self, rows: Iterable[PlanRow]) -> None:
        groups, creates = self._groups, self._creates
        update, reactivate, deactivate, create = Kind.UPDATE, Kind.REACTIVATE, Kind.DEACTIVATE, Kind.CREATE
        for row in rows:
            action = row.action
            if action == create:
                change = row.changes.get("department")
                creates.setdefault(change[1] if change else None, []).append(row)
                continue
            if action != update and action != reactivate and action != deactivate:
                continue
            for name, (before, after) in row.changes.items():
                _add(groups, name, before, after, row)

    def groups(self) -> list[Group]:
        """The groups, largest first (then by field and value, so the order is stable)."""
        out = [Group(name, after, rows, None if before is _MIXED else before, len(befores) if befores else 1)
               for (name, after), (rows, before, befores) in self._groups.items()]
        out += [Group(NEW, department, rows) for department, rows in self._creates.items()]
        out.sort(key=lambda g: (-len(g.rows), g.field, shown(g.after)))
        return out


def group_rows(rows: Iterable[PlanRow]) -> list[Group]:
    """The groups of the writing ``rows``, largest first."""
    grouper = Grouper()
    grouper.add(rows)
    return grouper.groups()


def plan_groups(plan: Plan) -> list[Group]:
    """The groups of a plan's changes, largest first."""
    return group_rows(plan.rows)


def field_counts(groups: Iterable[Group]) -> dict[str, int]:
    """Rows per field over ``groups`` (a row changing two fields counts in each), largest first."""
    counts: dict[str, int] = {}
    for group in groups:
        counts[group.field] = counts.get(group.field, 0) + group.count
    return dict(sorted(counts.items(), key=lambda item: -item[1]))
