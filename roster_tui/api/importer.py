"""The CSV import against the roster API: read and check the file, fetch what the plan needs, plan, apply.

Planning streams the file twice (keys first, then rows) and fetches only the users it needs: batched
``filter`` lookups for a small file, one crawl of the roster for a large one (or for the full sync).
Applying uses ``/Bulk`` when the service offers it, else bounded concurrent requests; every write carries
the ``If-Match`` version the plan saw, and failures are collected per row.
"""

from __future__ import annotations

import asyncio
import csv
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from roster_tui.api.client import RosterClient
from roster_tui.api.errors import PreconditionFailed, RosterApiError
from roster_tui.core.csv_reader import CsvFile, ImportFileError, open_csv
from roster_tui.core.export import export_row, write_rows
from roster_tui.core.mapping import FIELD_LABELS, Mapping, ResolvedMapping, resolve_mapping
from roster_tui.core.models import SyncKey, User
from roster_tui.core.plan import Plan, PlanRow, RosterEntry, RosterIndex, build_plan
from roster_tui.core.scim import ENTERPRISE_USER, FIELD_PATHS, ROSTER_USER, user_to_scim
from roster_tui.core.validation import KeyScan, RowValidator, check_date_format, scan_keys

LOOKUP_BATCH = 50
MAX_FILTER_CHARS = 3500
PAGE_SIZE = 1000
LOOKUP_CONCURRENCY = 4
EMAIL_PATH = "userName"
EMPLOYEE_ID_PATH = FIELD_PATHS["employee_id"]

Progress = Callable[[int, int], None]


# -- the file ------------------------------------------------------------------------------------------


@dataclass
class PreparedFile:
    """An import file opened, mapped and scanned (the first pass)."""

    csv: CsvFile
    mapping: ResolvedMapping
    validator: RowValidator
    scan: KeyScan
    sync_key: SyncKey

    def rows(self) -> Iterable[Any]:
        """The validated rows, streamed from the file (the second pass)."""
        validate = self.validator
        return (validate(line, cells) for line, cells in self.csv.records())


def prepare_file(path: str | Path, *, sync_key: SyncKey | str = SyncKey.EMAIL,
                 overrides: dict[str, str] | None = None, saved: Mapping | None = None,
                 date_format: str | None = None) -> PreparedFile:
    """Open, map and scan a file; raises :class:`ImportFileError` when it cannot be imported at all."""
    source = open_csv(path)
    columns = {**(saved.columns if saved else {}), **(overrides or {})}
    date_format = date_format or (saved.date_format if saved else None)
    if date_format:
        check_date_format(date_format)
    key = SyncKey(sync_key)
    mapping = resolve_mapping(source.info.header, columns)
    if mapping.column_of(key.value) is None:
        raise ImportFileError(
            f"no column is mapped to {key.value} ({FIELD_LABELS[key.value]}), the sync field",
            path=source.info.path, line=source.info.header_line,
            hint=f"Columns: {', '.join(source.info.header)}. Use --map 'HEADER={key.value}' "
                 "or choose another --sync-key")
    validator = RowValidator(mapping, key, date_format, source.info.delimiter_name)
    scan = scan_keys(source.records(), mapping)
    return PreparedFile(source, mapping, validator, scan, key)


# -- reading the roster --------------------------------------------------------------------------------


def entry_from_scim(resource: dict[str, Any]) -> RosterEntry:
    """The plan's view of a SCIM User resource (fast: no model validation)."""
    name = resource.get("name") or {}
    ent = resource.get(ENTERPRISE_USER) or {}
    ours = resource.get(ROSTER_USER) or {}
    email = ""
    emails = resource.get("emails") or []
    for e in emails:
        if isinstance(e, dict) and e.get("primary") and e.get("value"):
            email = e["value"]
            break
    if not email and emails and isinstance(emails[0], dict):
        email = emails[0].get("value") or ""
    manager = ent.get("manager")
    return RosterEntry(
        id=resource.get("id") or "",
        version=(resource.get("meta") or {}).get("version"),
        email=email or resource.get("userName") or "",
        employee_id=ent.get("employeeNumber") or None,
        first_name=name.get("givenName") or "",
        last_name=name.get("familyName") or "",
        title=resource.get("title") or None,
        department=ent.get("department") or None,
        division=ent.get("division") or None,
        location=ours.get("location") or None,
        manager_id=(manager.get("value") if isinstance(manager, dict) else None) or None,
        hire_date=ours.get("hireDate") or None,
        active=resource.get("active", True) is not False,
    )


def _filters(path: str, values: Iterable[str]) -> list[str]:
    """``path eq "a" or path eq "b" ...`` filters of at most LOOKUP_BATCH values and MAX_FILTER_CHARS."""
    out, terms, size = [], [], 0
    for value in sorted(values):
        term = f"{path} eq {json.dumps(value)}"
        if terms and (len(terms) >= LOOKUP_BATCH or size + len(term) + 4 > MAX_FILTER_CHARS):
            out.append(" or ".join(terms))
            terms, size = [], 0
        terms.append(term)
        size += len(term) + 4
    if terms:
        out.append(" or ".join(terms))
    return out


async def _lookup(client: RosterClient, filters: list[str], index: RosterIndex) -> None:
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def one(text: str) -> None:
        async with gate:
            try:
                page = await client.search_users(filter=text, count=LOOKUP_BATCH * 2)
            except RosterApiError as exc:
                if exc.status not in (404, 405):
                    raise
                page = await client.list_users(filter=text, count=LOOKUP_BATCH * 2)
        for resource in page.resources:
            index.add(entry_from_scim(resource))

    await asyncio.gather(*(one(f) for f in filters))


async def crawl(client: RosterClient, index: RosterIndex | None = None, *, parallel: int = 3) -> RosterIndex:
    """The whole roster in pages of PAGE_SIZE, ``parallel`` requests at a time (by ``startIndex``).

    Pages follow the service's default (insertion) order; a final sequential pass picks up anything
    the parallel pages missed because the roster changed meanwhile.
    """
    index = index or RosterIndex()
    first = await client.list_users(count=PAGE_SIZE)
    for resource in first.resources:
        index.add(entry_from_scim(resource))
    step = len(first.resources)
    if step and first.total_results > step:
        gate = asyncio.Semaphore(parallel)

        async def page(start: int) -> None:
            async with gate:
                got = await client.list_users(start_index=start, count=step)
            for resource in got.resources:
                index.add(entry_from_scim(resource))

        await asyncio.gather(*(page(s) for s in range(1 + step, first.total_results + 1, step)))
        if len(index.by_id) < first.total_results:  # a server that pages differently: walk it all
            async for p in client.iter_pages(page_size=PAGE_SIZE):
                for resource in p.resources:
                    index.add(entry_from_scim(resource))
    index.complete = True
    return index


def prefer_crawl(keys: int, total: int) -> bool:
    """Whether paging through ``total`` users is cheaper than looking up ``keys`` values by filter."""
    per_user = 0.02  # a user in a response, relative to the cost of one request
    lookups = math.ceil(keys / LOOKUP_BATCH) + per_user * min(keys, total)
    return math.ceil(total / PAGE_SIZE) + per_user * total <= lookups


async def fetch_index(client: RosterClient, scan: KeyScan, *, full: bool = False,
                      managers: bool = False) -> RosterIndex:
    """The existing users the plan needs: by lookups or by one crawl, whichever is cheaper (or ``full``)."""
    emails, employee_ids = scan.lookup_emails(), scan.lookup_employee_ids()
    if not full:
        total = (await client.list_users(count=0)).total_results
        if total == 0:
            return RosterIndex(complete=True)
        full = prefer_crawl(len(emails) + len(employee_ids), total)
    if full:
        return await crawl(client)
    index = RosterIndex()
    await _lookup(client, _filters(EMAIL_PATH, emails) + _filters(EMPLOYEE_ID_PATH, employee_ids), index)
    if managers:  # to show who the current managers are
        wanted = {u.manager_id for u in list(index.by_id.values()) if u.manager_id} - set(index.by_id)
        await _lookup(client, _filters("id", wanted), index)
    return index


async def plan_import(client: RosterClient, prepared: PreparedFile, *, deactivate_missing: bool = False,
                      force: bool = False) -> Plan:
    """Fetch what is needed and build the plan of a prepared file."""
    managers = prepared.mapping.column_of("manager") is not None
    index = await fetch_index(client, prepared.scan, full=deactivate_missing, managers=managers)
    return build_plan(prepared.rows(), index, prepared.scan, prepared.sync_key,
                      deactivate_missing=deactivate_missing, force=force)


# -- applying ------------------------------------------------------------------------------------------


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


def patch_operations(row: PlanRow, manager_value: str | None) -> list[dict[str, Any]]:
    """PatchOp operations for exactly the changed fields of a planned update."""
    ops: list[dict[str, Any]] = []
    for name, (_before, after) in row.changes.items():
        if name == "status":
            ops.append({"op": "replace", "path": "active", "value": after == "active"})
        elif name == "email":
            ops.append({"op": "replace", "path": "userName", "value": after})
            ops.append({"op": "replace", "path": "emails",
                        "value": [{"value": after, "type": "work", "primary": True}]})
        elif name == "manager" and after is not None:
            ops.append({"op": "replace", "path": FIELD_PATHS["manager"], "value": manager_value})
        elif after is None:
            ops.append({"op": "remove", "path": FIELD_PATHS[name]})
        else:
            ops.append({"op": "replace", "path": FIELD_PATHS[name], "value": after})
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
                 cancel: asyncio.Event | None) -> None:
        self.client, self.rows, self.on_progress, self.cancel = client, rows, on_progress, cancel
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
        batch: list[tuple[PlanRow, dict[str, Any]]] = []
        lines: set[int] = set()
        size = 0
        for row in self.rows:
            value, error = self.manager_value(row, lines)
            if error:
                self.finish(row, "failed", error)
                continue
            op = self.operation(row, value)
            op_size = len(json.dumps(op))
            if batch and (len(batch) >= max_ops or size + op_size > max_payload):
                if self.cancelled():
                    return
                await self.send_bulk(batch)
                batch, lines, size = [], set(), 0
                value, error = self.manager_value(row, lines)
                if error:
                    self.finish(row, "failed", error)
                    continue
                op = self.operation(row, value)
            batch.append((row, op))
            size += op_size
            if row.action == "create" and row.line is not None:
                lines.add(row.line)
        if batch and not self.cancelled():
            await self.send_bulk(batch)

    @staticmethod
    def operation(row: PlanRow, manager: str | None) -> dict[str, Any]:
        if row.action == "create":
            return {"method": "POST", "path": "/Users", "bulkId": f"L{row.line}",
                    "data": create_resource(row, manager)}
        op: dict[str, Any] = {"method": "PATCH", "path": f"/Users/{row.user_id}",
                              "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                       "Operations": patch_operations(row, manager)}}
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
                        await self.client.patch_user(row.user_id or "", patch_operations(row, value),
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
    applier = _Applier(client, rows, on_progress, cancel_event)
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


# -- export and the errors CSV -------------------------------------------------------------------------


async def export_roster(client: RosterClient, out: TextIO, status: str = "all") -> int:
    """Write the roster as CSV (the template's columns); ``status``: active, inactive or all."""
    index = RosterIndex()
    entries: list[RosterEntry] = []
    pages = client.iter_pages(page_size=PAGE_SIZE, sort_by="userName")
    async for page in pages:
        for resource in page.resources:
            entry = entry_from_scim(resource)
            index.by_id[entry.id] = entry
            if status == "all" or (status == "active") == entry.active:
                entries.append(entry)

    def manager_email(entry: RosterEntry) -> str | None:
        manager = index.by_id.get(entry.manager_id) if entry.manager_id else None
        return manager.email if manager is not None else None

    return write_rows(out, (export_row(e, manager_email(e)) for e in entries))


def write_errors_csv(prepared: PreparedFile, errors: dict[int, str], out: str | Path) -> int:
    """The rows with errors, as the file had them, plus an ``error`` column; returns the row count."""
    info = prepared.csv.info
    count = 0
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=info.delimiter, lineterminator="\r\n")
        writer.writerow([*info.header, "error"])
        for line, cells in prepared.csv.records():
            if line in errors:
                row = [*cells, *[""] * (len(info.header) - len(cells))]
                while len(row) > len(info.header) and not row[-1].strip():
                    row.pop()
                writer.writerow([*row, errors[line]])
                count += 1
    return count
