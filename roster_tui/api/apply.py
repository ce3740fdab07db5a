"""Applying an import plan: ``/Bulk`` when the service offers it, else bounded concurrent single requests.

Every write carries the ``If-Match`` version the plan saw; failures are collected per row, never abort the
rest. With ``/Bulk`` the next batch is built while the previous one is in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from roster_tui.api.client import RosterClient
from roster_tui.api.errors import PreconditionFailed, RosterApiError
from roster_tui.core.models import User
from roster_tui.core.plan import Plan, PlanRow, RosterIndex
from roster_tui.core.scim import PATCH_OP, user_to_scim
from roster_tui.core.user_changes import field_operations

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Outcome:
    row: PlanRow
    status: str  # ok, conflict, failed
    error: str | None = None


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        out = {"ok": 0, "conflict": 0, "failed": 0}
        for o in self.outcomes:
            out[o.status] += 1
        return out


def create_resource(row: PlanRow, manager_value: str | None) -> dict[str, Any]:
    """The SCIM resource of a planned create (never roles or admin fields)."""
    values = {name: after for name, (_before, after) in row.changes.items()}
    user = User(email=values["email"], employee_id=values.get("employee_id"),
                first_name=values["first_name"], last_name=values["last_name"], title=values.get("title"),
                department=values.get("department"), division=values.get("division"),
                location=values.get("location"), hire_date=values.get("hire_date"), active=row.active,
                manager_id=manager_value)
    return user_to_scim(user)


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


def _ordered(plan: Plan) -> list[PlanRow]:
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


def _error_text(response: Any, status: str) -> str:
    if isinstance(response, dict):
        detail = response.get("detail") or ""
        scim_type = response.get("scimType")
        return f"{status}{f' ({scim_type})' if scim_type else ''}: {detail}".strip()
    return f"status {status}"


class _Applier:
    def __init__(self, client: RosterClient, rows: list[PlanRow], on_progress: Progress | None,
                 cancel: asyncio.Event | None, index: RosterIndex | None = None) -> None:
        self.client, self.rows, self.on_progress, self.cancel = client, rows, on_progress, cancel
        self.index = index
        self.created: dict[int, str] = {}  # line -> new user's id
        self.failed_lines: set[int] = set()
        self.result = ApplyResult()
        self.done = 0

    def finish(self, row: PlanRow, status: str, error: str | None = None) -> None:
        self.result.outcomes.append(Outcome(row, status, error))
        if status != "ok" and row.line is not None:
            self.failed_lines.add(row.line)
        self.done += 1
        if self.on_progress:
            self.on_progress(self.done, len(self.rows))

    def manager_value(self, row: PlanRow, same_batch: set[int] | None = None,
                      ) -> tuple[str | None, str | None]:
        """``(value, error)``: the manager id (or ``bulkId:`` reference) to send for a row."""
        if row.manager_line is None:
            return row.manager_id, None
        if row.manager_line in self.created:
            return self.created[row.manager_line], None
        if same_batch is not None and row.manager_line in same_batch:
            return f"bulkId:L{row.manager_line}", None
        return None, f"the manager's row (line {row.manager_line}) was not created"

    def cancelled(self) -> bool:
        if self.cancel is not None and self.cancel.is_set():
            self.result.cancelled = True
            return True
        return False

    async def run_bulk(self, max_ops: int, max_payload: int) -> None:
        """Batches of at most ``max_ops`` operations and ``max_payload`` bytes, one in flight at a time."""
        batch: list[tuple[PlanRow, dict[str, Any]]] = []
        lines: set[int] = set()
        size = 0
        in_flight: asyncio.Task[None] | None = None
        flying: set[int] = set()  # the create lines of the batch in flight

        async def land() -> None:
            nonlocal in_flight
            if in_flight is not None:
                await in_flight
                in_flight = None
                flying.clear()

        for row in self.rows:
            if row.manager_line in flying:  # its manager is being created: wait for its id
                await land()
            value, error = self.manager_value(row, lines)
            if error:
                self.finish(row, "failed", error)
                continue
            op = self.operation(row, value)
            op_size = len(orjson.dumps(op))
            if batch and (len(batch) >= max_ops or size + op_size > max_payload):
                await land()
                if self.cancelled():
                    return
                in_flight = asyncio.ensure_future(self.send_bulk(batch))
                flying.update(lines)
                batch, lines, size = [], set(), 0
                if row.manager_line in flying:
                    await land()
                value, error = self.manager_value(row, lines)
                if error:
                    self.finish(row, "failed", error)
                    continue
                op = self.operation(row, value)
            batch.append((row, op))
            size += op_size
            if row.action == "create" and row.line is not None:
                lines.add(row.line)
        await land()
        if batch and not self.cancelled():
            await self.send_bulk(batch)

    def emails_of(self, row: PlanRow) -> list[Any] | None:
        entry = self.index.by_id.get(row.user_id) if self.index is not None and row.user_id else None
        return getattr(entry, "emails", None)

    def operation(self, row: PlanRow, manager: str | None) -> dict[str, Any]:
        if row.action == "create":
            return {"method": "POST", "path": "/Users", "bulkId": f"L{row.line}",
                    "data": create_resource(row, manager)}
        op: dict[str, Any] = {"method": "PATCH", "path": f"/Users/{row.user_id}",
                              "data": {"schemas": [PATCH_OP],
                                       "Operations": patch_operations(row, manager, self.emails_of(row))}}
        if row.version:
            op["version"] = row.version
        return op

    async def send_bulk(self, batch: list[tuple[PlanRow, dict[str, Any]]]) -> None:
        try:
            response = await self.client.bulk([op for _row, op in batch])
        except RosterApiError as exc:
            for row, _op in batch:
                self.finish(row, "failed", str(exc))
            return
        results = response.get("Operations") or []
        by_bulk_id = {r.get("bulkId"): r for r in results if isinstance(r, dict) and r.get("bulkId")}
        for i, (row, op) in enumerate(batch):
            result = by_bulk_id.get(op.get("bulkId")) if op.get("bulkId") else None
            if result is None and i < len(results) and not results[i].get("bulkId"):
                result = results[i]
            if result is None:
                self.finish(row, "failed", "the service did not answer this operation")
                continue
            status = str(result.get("status", ""))
            if status.startswith("2"):
                if row.action == "create" and row.line is not None:
                    self.created[row.line] = str(result.get("location", "")).rsplit("/", 1)[-1]
                self.finish(row, "ok")
            elif status == "412":
                self.finish(row, "conflict", _error_text(result.get("response"), status))
            else:
                self.finish(row, "failed", _error_text(result.get("response"), status))

    async def run_single(self, concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(row: PlanRow) -> None:
            async with gate:
                if self.cancelled():
                    return
                value, error = self.manager_value(row)
                if error:
                    self.finish(row, "failed", error)
                    return
                try:
                    if row.action == "create":
                        created = await self.client.create_user(create_resource(row, value))
                        if row.line is not None:
                            self.created[row.line] = str(created.get("id"))
                    else:
                        await self.client.patch_user(row.user_id or "",
                                                     patch_operations(row, value, self.emails_of(row)),
                                                     etag=row.version)
                except PreconditionFailed as exc:
                    self.finish(row, "conflict", str(exc))
                except RosterApiError as exc:
                    self.finish(row, "failed", str(exc))
                else:
                    self.finish(row, "ok")

        # one wave per manager depth, so a manager exists before the users who report to them
        waves: list[list[PlanRow]] = [[]]
        in_wave: set[int | None] = set()
        for row in self.rows:  # creates come ordered by depth
            if row.manager_line is not None and row.manager_line in in_wave:
                waves.append([])
                in_wave = set()
            waves[-1].append(row)
            in_wave.add(row.line)
        for wave in waves:
            await asyncio.gather(*(one(r) for r in wave))
            if self.cancelled():
                return


async def apply_plan(client: RosterClient, plan: Plan, *, concurrency: int = 8,
                     on_progress: Progress | None = None, cancel_event: asyncio.Event | None = None,
                     use_bulk: bool | None = None, max_operations: int = 1000) -> ApplyResult:
    """Write the plan's changes; conflicts and failures are collected per row, never abort the rest.

    ``use_bulk`` None: ``/Bulk`` when ServiceProviderConfig offers it (batches of at most
    ``max_operations``); False: single requests, ``concurrency`` at a time.
    """
    rows = _ordered(plan)
    applier = _Applier(client, rows, on_progress, cancel_event, plan.index)
    max_ops, max_payload = 0, 0
    if use_bulk is not False:
        try:
            bulk = (await client.service_provider_config()).get("bulk") or {}
        except RosterApiError:
            bulk = {}
        if bulk.get("supported"):
            max_ops = min(int(bulk.get("maxOperations") or 0), max_operations)
            max_payload = int(int(bulk.get("maxPayloadSize") or 1_000_000) * 0.9)
    if max_ops > 0:
        await applier.run_bulk(max_ops, max_payload)
    else:
        await applier.run_single(concurrency)
    return applier.result
