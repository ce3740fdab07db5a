"""Applying a plan, an import's or a removal's, through one loop: ``/Bulk`` when the server offers it, else
bounded concurrent single requests.

Every write carries the ``If-Match`` version the plan saw; a conflict or a failure is collected for its row and
never stops the others. With ``/Bulk`` the next batch is built while the previous one is in flight. When the
service stops answering (several writes in a row cannot reach it) the apply stops and says which rows were not
attempted, instead of retrying each of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from roster_tui.core.plan import PlanRow
from roster_tui.core.plan_writes import create_resource, patch_operations
from roster_tui.core.removal_plan import RemovalRow
from roster_tui.core.roster import RosterIndex
from roster_tui.core.scim import PATCH_OP, user_from_scim
from roster_tui.core.undo import UndoRow
from roster_tui.core.user_changes import dropped, field_operations
from roster_tui.scim.client import RosterClient
from roster_tui.scim.discovery import Features
from roster_tui.scim.errors import ConnectionFailed, NotFound, PreconditionFailed, RosterApiError
from roster_tui.sync.writes import write_user

Progress = Callable[[int, int], None]
Row = PlanRow | RemovalRow | UndoRow
#: Writes in a row that could not reach the service, after which the apply stops.
STOP_AFTER_UNREACHABLE = 3
CONFLICT = "the user changed since the plan was made; plan again"


class Status(StrEnum):
    OK = "ok"
    CONFLICT = "conflict"
    FAILED = "failed"


@dataclass(slots=True)
class Outcome:
    """What became of one row's write."""

    row: Any  # PlanRow or RemovalRow
    status: Status
    error: str | None = None
    warning: str | None = None  # written, but the server did not keep all of it


@dataclass
class ApplyResult:
    """The outcome of each row written; ``cancelled`` when the admin stopped it, ``stopped`` why it stopped."""

    outcomes: list[Outcome] = field(default_factory=list)
    cancelled: bool = False
    stopped: str | None = None
    not_attempted: list[Any] = field(default_factory=list)
    unconfirmed: list[Any] = field(default_factory=list)  # sent, but interrupted before the answer came
    change: int | None = None  # the change of the journal it was recorded as (a service that keeps one)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(Status, 0)
        for o in self.outcomes:
            out[o.status] += 1
        return {str(k): v for k, v in out.items()}

    def summary(self) -> dict[str, Any]:
        """The counts, and when the apply stopped early: why, and how many rows were not attempted."""
        out: dict[str, Any] = self.counts()
        if self.stopped or self.cancelled:
            out.update(stopped=self.stopped or "interrupted", not_attempted=len(self.not_attempted),
                       unconfirmed=len(self.unconfirmed))
        return out

    @property
    def clean(self) -> bool:
        """Everything was written: no conflict, no failure, nothing left out."""
        counts = self.counts()
        return not (counts["conflict"] or counts["failed"] or self.cancelled or self.stopped)


def _error_text(response: Any, status: str) -> str:
    if status == "412":
        return CONFLICT
    if isinstance(response, dict):
        detail = response.get("detail") or ""
        scim_type = response.get("scimType")
        return f"{status}{f' ({scim_type})' if scim_type else ''}: {detail}".strip()
    return f"status {status}"


def bulk_status(result: dict[str, Any]) -> str:
    """An operation's status in a BulkResponse: ``"201"``, or as some servers write it, ``{"code": "201"}``."""
    status = result.get("status", "")
    if isinstance(status, dict):
        status = status.get("code", "")
    return str(status)


class _Applier:
    def __init__(self, client: RosterClient, rows: Sequence[Row], on_progress: Progress | None,
                 cancel: asyncio.Event | None, index: RosterIndex | None = None,
                 result: ApplyResult | None = None, keeps: Callable[[str], bool] | None = None,
                 created: dict[int, str] | None = None) -> None:
        self.client, self.rows, self.on_progress, self.cancel = client, rows, on_progress, cancel
        self.index, self.keeps = index, keeps
        self.created: dict[int, str] = dict(created or {})  # line -> new user's id
        self.result = result if result is not None else ApplyResult()
        self.done = 0
        self.unreachable = 0  # writes in a row that could not reach the service
        self.sent: set[int] = set()  # ids of the rows handed to the service (or settled without it)
        self.answered: set[int] = set()  # ids of the rows whose outcome is known

    # -- bookkeeping -----------------------------------------------------------------------------

    def finish(self, row: Row, status: Status, error: str | None = None) -> None:
        self.sent.add(id(row))
        self.answered.add(id(row))
        self.result.outcomes.append(Outcome(row, status, error))
        self.done += 1
        if self.on_progress:
            self.on_progress(self.done, len(self.rows))

    def failed(self, row: Row, exc: RosterApiError) -> None:
        """A write that raised: a conflict, a failure, or one more sign that the service is gone."""
        if isinstance(exc, PreconditionFailed):
            self.finish(row, Status.CONFLICT, CONFLICT)
            return
        if isinstance(exc, ConnectionFailed):
            self.unreachable += 1
            if self.unreachable >= STOP_AFTER_UNREACHABLE and self.result.stopped is None:
                self.result.stopped = f"the roster API stopped answering ({exc.detail})"
        self.finish(row, Status.FAILED, "the user no longer exists" if isinstance(exc, NotFound) else str(exc))
        if isinstance(exc, ConnectionFailed):  # the request may have landed before the connection died
            self.answered.discard(id(row))

    def succeeded(self, row: Row, back: dict[str, Any] | None = None) -> None:
        """``back``: the resource the server answered, to check it holds what was written."""
        self.unreachable = 0
        lost = dropped(row.changes, user_from_scim(back)) if back and isinstance(row, PlanRow) else []
        self.finish(row, Status.OK)
        if lost:
            self.result.outcomes[-1].warning = f"the server did not keep: {', '.join(lost)}"

    def should_stop(self) -> bool:
        if self.cancel is not None and self.cancel.is_set():
            self.result.cancelled = True
        return self.result.cancelled or self.result.stopped is not None

    def settle(self) -> ApplyResult:
        """The rows never handed to the service are listed as not attempted, those sent without an answer (an
        apply interrupted while they were in flight) as unconfirmed; outcomes in the rows' order."""
        self.result.not_attempted = [r for r in self.rows if id(r) not in self.sent]
        self.result.unconfirmed = [r for r in self.rows if id(r) in self.sent and id(r) not in self.answered]
        order = {id(r): i for i, r in enumerate(self.rows)}
        self.result.outcomes.sort(key=lambda o: order[id(o.row)])
        return self.result

    # -- what each row sends ---------------------------------------------------------------------

    def manager_value(self, row: Row, same_batch: set[int] | None = None) -> tuple[str | None, str | None]:
        """``(value, error)``: the manager id (or ``bulkId:`` reference) to send for a row."""
        if not isinstance(row, PlanRow) or row.manager_line is None:
            return getattr(row, "manager_id", None), None
        if row.manager_line in self.created:
            return self.created[row.manager_line], None
        if same_batch is not None and row.manager_line in same_batch:
            return f"bulkId:L{row.manager_line}", None
        return None, f"the manager's row (line {row.manager_line}) was not created"

    def emails_of(self, row: Row) -> list[Any] | None:
        entry = self.index.by_id.get(row.user_id) if self.index is not None and row.user_id else None
        return getattr(entry, "emails", None)

    def request(self, row: Row, manager: str | None) -> tuple[str, str, Any]:
        """``(method, path, data)`` of the row's write (PATCH data: the operations)."""
        if isinstance(row, UndoRow):
            return row.method, "/Users" if row.method == "POST" else f"/Users/{row.user_id}", row.data
        if isinstance(row, RemovalRow):
            if row.action == "delete":
                return "DELETE", f"/Users/{row.user_id}", None
            return "PATCH", f"/Users/{row.user_id}", field_operations("active", False)
        if row.action == "create":
            return "POST", "/Users", create_resource(row, manager, self.keeps)
        return "PATCH", f"/Users/{row.user_id}", patch_operations(row, manager, self.emails_of(row))

    def operation(self, row: Row, manager: str | None) -> dict[str, Any]:
        method, path, data = self.request(row, manager)
        op: dict[str, Any] = {"method": method, "path": path}
        if method == "POST":
            op["bulkId"] = f"L{row.line}"
        if method == "PATCH":
            data = {"schemas": [PATCH_OP], "Operations": data}
        if data is not None:
            op["data"] = data
        if row.version:
            op["version"] = row.version
        return op

    # -- /Bulk -----------------------------------------------------------------------------------

    async def run_bulk(self, max_ops: int, max_payload: int) -> None:
        """Batches of at most ``max_ops`` operations and ``max_payload`` bytes, one in flight at a time."""
        batch: list[tuple[Row, dict[str, Any]]] = []
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
            if getattr(row, "manager_line", None) in flying:  # its manager is being created: wait for its id
                await land()
            value, error = self.manager_value(row, lines)
            if error:
                self.finish(row, Status.FAILED, error)
                continue
            op = self.operation(row, value)
            op_size = len(orjson.dumps(op))
            if batch and (len(batch) >= max_ops or size + op_size > max_payload):
                await land()
                if self.should_stop():
                    return
                in_flight = asyncio.ensure_future(self.send_bulk(batch))
                flying.update(lines)
                batch, lines, size = [], set(), 0
                if getattr(row, "manager_line", None) in flying:
                    await land()
                value, error = self.manager_value(row, lines)
                if error:
                    self.finish(row, Status.FAILED, error)
                    continue
                op = self.operation(row, value)
            batch.append((row, op))
            size += op_size
            if row.action == "create" and row.line is not None:
                lines.add(row.line)
        await land()
        if batch and not self.should_stop():
            await self.send_bulk(batch)

    async def send_bulk(self, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        self.sent.update(id(row) for row, _op in batch)
        try:
            response = await self.client.bulk([op for _row, op in batch])
        except RosterApiError as exc:
            for row, _op in batch:
                self.failed(row, exc)
            return
        results = response.get("Operations") or []
        by_bulk_id = {r.get("bulkId"): r for r in results if isinstance(r, dict) and r.get("bulkId")}
        for i, (row, op) in enumerate(batch):
            result = by_bulk_id.get(op.get("bulkId")) if op.get("bulkId") else None
            if result is None and i < len(results) and isinstance(results[i], dict) and not results[i].get("bulkId"):
                result = results[i]
            if result is None:
                self.finish(row, Status.FAILED, "the service did not answer this operation")
                continue
            status = bulk_status(result)
            if status.startswith("2"):
                if row.action == "create" and row.line is not None:
                    self.created[row.line] = str(result.get("location", "")).rsplit("/", 1)[-1]
                self.succeeded(row)
            elif status == "412":
                self.finish(row, Status.CONFLICT, CONFLICT)
            elif status == "404" and isinstance(row, RemovalRow):
                self.finish(row, Status.FAILED, "the user no longer exists")
            else:
                self.finish(row, Status.FAILED, _error_text(result.get("response"), status))

    # -- single requests -------------------------------------------------------------------------

    async def write_one(self, row: Row, manager: str | None) -> dict[str, Any] | None:
        """Send the row's write; the resource the server answered (None for a delete or a 204)."""
        method, path, data = self.request(row, manager)
        self.sent.add(id(row))
        user_id = path.rsplit("/", 1)[-1]
        if method == "POST":
            created = await self.client.create_user(data)
            if row.line is not None:
                self.created[row.line] = str(created.get("id"))
            return created
        if method == "PATCH":
            return await write_user(self.client, user_id, data, etag=row.version)
        await self.client.delete_user(user_id, etag=row.version)
        return None

    async def run_single(self, concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(row: Row) -> None:
            async with gate:
                if self.should_stop():
                    return
                value, error = self.manager_value(row)
                if error:
                    self.finish(row, Status.FAILED, error)
                    return
                try:
                    back = await self.write_one(row, value)
                except RosterApiError as exc:
                    self.failed(row, exc)
                else:
                    self.succeeded(row, back)

        # one wave per manager depth, so a manager exists before the users who report to them
        waves: list[list[Row]] = [[]]
        in_wave: set[int | None] = set()
        for row in self.rows:  # creates come ordered by depth
            manager_line = getattr(row, "manager_line", None)
            if manager_line is not None and manager_line in in_wave:
                waves.append([])
                in_wave = set()
            waves[-1].append(row)
            in_wave.add(row.line)
        for wave in waves:
            await asyncio.gather(*(one(r) for r in wave))
            if self.should_stop():
                return


def _bulk_limits(features: Features, use_bulk: bool | None, max_operations: int) -> tuple[int, int]:
    """``(operations, bytes)`` a /Bulk request may hold; ``(0, 0)``: send single requests."""
    if use_bulk is False or not features.bulk:
        return 0, 0
    return (min(features.bulk_max_operations, max_operations),
            int((features.bulk_max_payload or 1_000_000) * 0.9))


async def apply_rows(client: RosterClient, rows: Sequence[Row], *, index: RosterIndex | None = None,
                     concurrency: int = 8, on_progress: Progress | None = None,
                     cancel_event: asyncio.Event | None = None, use_bulk: bool | None = None,
                     max_operations: int = 1000, result: ApplyResult | None = None,
                     created: dict[int, str] | None = None) -> ApplyResult:
    """Write ``rows`` (in this order); conflicts and failures are collected per row, never abort the rest.

    ``use_bulk`` None: ``/Bulk`` when ServiceProviderConfig offers it (batches of at most ``max_operations``);
    False: single requests, ``concurrency`` at a time. ``cancel_event`` stops it after the writes in flight.
    ``result``: the object to fill (a caller that shows the counts as they come). ``created``: the ids of users
    created before (a resumed apply), by the line of the row that created them.
    """
    features = await client.features()
    applier = _Applier(client, rows, on_progress, cancel_event, index, result, features.kept_fields().__contains__,
                       created)
    max_ops, max_payload = _bulk_limits(features, use_bulk, max_operations)
    try:
        if max_ops > 0:
            await applier.run_bulk(max_ops, max_payload)
        else:
            await applier.run_single(concurrency)
    except asyncio.CancelledError:  # ctrl-C: what was written and what was not is still told
        applier.result.cancelled = True
        raise
    finally:
        applier.settle()
    return applier.result
