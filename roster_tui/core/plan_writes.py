"""What an import plan writes, as SCIM: the resource of each create, the PatchOp operations of each update (exactly
the changed fields; never roles or admin access), and the order of the writes. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roster_tui.core.models import User
from roster_tui.core.plan import Plan, PlanRow
from roster_tui.core.scim import user_to_scim
from roster_tui.core.user_changes import field_operations


def create_resource(row: PlanRow, manager_value: str | None,
                    keeps: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """The SCIM resource of a planned create (never roles or admin fields); ``keeps``: the fields the server
    keeps (:meth:`~roster_tui.scim.discovery.Features.has_field`)."""
    values = {name: after for name, (_before, after) in row.changes.items()}
    user = User(email=values["email"], employee_id=values.get("employee_id"),
                first_name=values["first_name"], last_name=values["last_name"], title=values.get("title"),
                department=values.get("department"), division=values.get("division"),
                location=values.get("location"), hire_date=values.get("hire_date"), active=row.active,
                manager_id=manager_value)
    return user_to_scim(user, keeps)


def patch_operations(row: PlanRow, manager_value: str | None,
                     emails: list[Any] | None = None) -> list[dict[str, Any]]:
    """PatchOp operations for exactly the changed fields of a planned update (``emails``: the user's addresses
    as read, so an email change keeps the others)."""
    ops: list[dict[str, Any]] = []
    for name, (_before, after) in row.changes.items():
        if name == "status":
            ops += field_operations("active", after == "active")
        elif name == "manager":
            ops += field_operations("manager_id", manager_value if after is not None else None)
        elif name == "email":
            ops += field_operations("email", after, {"emails": emails} if emails else None)
        else:
            ops += field_operations(name, after)
    return ops


def write_order(plan: Plan) -> list[PlanRow]:
    """The rows to write: creates first, managers before their reports, then the other changes."""
    creates = {r.line: r for r in plan.rows if r.action == "create"}
    depth: dict[int | None, int] = {}

    def depth_of(row: PlanRow) -> int:
        d, cur, hops = 0, row, 0
        while cur.manager_line is not None and cur.manager_line in creates and hops < len(creates):
            cur, d, hops = creates[cur.manager_line], d + 1, hops + 1
        return d

    for row in creates.values():
        depth[row.line] = depth_of(row)
    ordered = sorted(creates.values(), key=lambda r: (depth[r.line], r.line or 0))
    rest = [r for r in plan.rows if r.action in ("update", "reactivate", "deactivate")]
    return ordered + rest
