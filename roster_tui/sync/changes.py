"""Applying a plan as a recorded change, resuming one left open, and undoing one.

On a service that keeps a change journal (its discovery says so) every apply opens a change holding the plan,
sends each write under it and closes it with the outcome; an apply interrupted (connection lost, process
killed) leaves it open, and :func:`resume` writes only what is left. :func:`plan_undo` builds the inverse of a
change from the documents its writes replaced. On another SCIM server the plan is applied as is, and resume and
undo step aside with a message saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from roster_tui.core.changes import DONE, OPEN, STOPPED, Change
from roster_tui.core.plan import Plan
from roster_tui.core.plan_writes import write_order
from roster_tui.core.removal_plan import RemovalPlan
from roster_tui.core.roster import RosterIndex
from roster_tui.core.undo import CONFLICT, UndoRow, inverse_rows, touched_users
from roster_tui.scim import changes as journal
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import NotFound, RosterApiError
from roster_tui.scim.messages import version_of
from roster_tui.sync.apply import ApplyResult, Row, apply_rows
from roster_tui.sync.saved_plan import IMPORT, REMOVAL, UNDO, SavedPlan, plan_document, read_plan, undo_document

NO_JOURNAL = "this server keeps no change journal (the roster service does): {what} needs one"
#: Users read one by one to plan an undo; a change that touched more reads the whole roster instead.
READ_EACH_UP_TO = 2000
#: Seconds a resume waits for the requests of the interrupted apply still in flight at the service.
WAIT_FOR_WRITES = 120.0


class ChangeError(Exception):
    """A change that cannot be resumed or undone; the message says why and what to do."""


@dataclass
class UndoPlan:
    """The inverse of change ``change``: the writes (:class:`UndoRow`), conflicts included (never written)."""

    change: Change
    rows: list[UndoRow] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        out = dict.fromkeys(("create", "update", "reactivate", "deactivate", "delete", CONFLICT), 0)
        for row in self.rows:
            out[row.action] = out.get(row.action, 0) + 1
        return out

    def to_apply(self) -> list[UndoRow]:
        return [r for r in self.rows if r.action != CONFLICT]

    @property
    def changes(self) -> int:
        return len(self.to_apply())


async def apply_recorded(client: RosterClient, kind: str, rows: Sequence[Row],
                         document: dict[str, Any] | Callable[[], dict[str, Any]], *,
                         index: RosterIndex | None = None, undoes: int | None = None,
                         change: Change | None = None, created: dict[int, str] | None = None,
                         result: ApplyResult | None = None, **options: Any) -> ApplyResult:
    """Apply ``rows`` as one change of the journal (opened here unless ``change`` is given, a resumed one);
    where the server keeps none, apply them as they are."""
    result = result if result is not None else ApplyResult()
    if not (await client.features()).changes:
        return await apply_rows(client, rows, index=index, result=result, created=created, **options)
    if change is None:
        if callable(document):  # built only for a journal, and off the event loop (a large plan takes a while)
            document = await asyncio.to_thread(document)
        change = await journal.open_change(client, kind, document.get("source") or {},
                                           document.get("counts") or {}, document, undoes)
    result.change = change.id
    await apply_rows(client.for_change(change.id), rows, index=index, result=result, created=created, **options)
    status = STOPPED if result.cancelled or result.stopped else DONE
    with contextlib.suppress(RosterApiError):  # the service is gone: the change stays open, to resume
        await journal.set_status(client, change.id, status, result.summary())
    return result


def _check_guards(plan: Plan | RemovalPlan) -> None:
    """Refuse a plan its guards hold (a caller that asked the admin to pass them sets ``forced``)."""
    if plan.held:
        raise ChangeError("the plan is held by its guards, nothing was written: "
                          + "; ".join(g.message for g in plan.held))


async def apply_plan(client: RosterClient, plan: Plan, *, source: dict[str, Any] | None = None,
                     **options: Any) -> ApplyResult:
    """Write an import plan's changes as one change: creates first (managers before their reports), then the
    others."""
    _check_guards(plan)
    document = partial(plan_document, plan, client.base_url, source)
    return await apply_recorded(client, IMPORT, write_order(plan), document, index=plan.index, **options)


async def apply_removal(client: RosterClient, plan: RemovalPlan, *, source: dict[str, Any] | None = None,
                        **options: Any) -> ApplyResult:
    """Deactivate or delete each planned user as one change, with the version seen while planning."""
    _check_guards(plan)
    document = partial(plan_document, plan, client.base_url, source)
    return await apply_recorded(client, REMOVAL, plan.to_apply(), document, **options)


async def apply_saved(client: RosterClient, saved: SavedPlan, **options: Any) -> ApplyResult:
    """Apply a plan read back from its file exactly as planned (a user changed since is a conflict)."""
    undoes = saved.source.get("change") if saved.kind == UNDO else None
    return await apply_recorded(client, saved.kind, saved.rows, saved.document, index=saved.index,
                                undoes=undoes if isinstance(undoes, int) else None, **options)


async def require_journal(client: RosterClient, what: str) -> None:
    """:class:`ChangeError` unless the server keeps a change journal (``what`` needs one)."""
    if not (await client.features()).changes:
        raise ChangeError(NO_JOURNAL.format(what=what))


async def find_change(client: RosterClient, change: int, plan: bool = False,
                      ) -> tuple[Change, dict[str, Any] | None]:
    """A change (and its plan); :class:`ChangeError` if there is none."""
    try:
        return await journal.get_change(client, change, plan=plan)
    except NotFound:
        raise ChangeError(f"there is no change {change}: roster changes lists them") from None


async def resume(client: RosterClient, change: int, **options: Any) -> ApplyResult:
    """Write what an interrupted change (left open, or stopped) did not: its saved plan less the users it
    wrote, each with the version planned; the same change records the rest."""
    await require_journal(client, "resuming")
    found, document = await find_change(client, change, plan=True)
    waited = 0.0
    while found.writing and waited < WAIT_FOR_WRITES:  # the interrupted apply's last requests are still landing
        await asyncio.sleep(0.2)
        waited += 0.2
        found, _ = await find_change(client, change)
    if found.writing:
        raise ChangeError(f"change {change} is still being written by the service ({found.writing} requests); "
                          "try again in a minute")
    if found.status == DONE:
        raise ChangeError(f"change {change} is done: nothing is left to write")
    if document is None:
        raise ChangeError(f"change {change} keeps no plan to resume from")
    saved = read_plan(document, f"the plan of change {change}")
    written: set[str] = set()
    created_keys: dict[str, str] = {}  # a created user's key (email, user name, employee number) -> id
    async for write in journal.iter_writes(client, change):
        written.add(write.user_id)
        if write.action == "create":
            for name in ("email", "user_name", "employee_number"):
                pair = write.changes.get(name)
                if isinstance(pair, list) and len(pair) == 2 and pair[1]:
                    created_keys[str(pair[1]).strip().casefold()] = write.user_id
    left, created = [], {}
    for row in saved.rows:
        made = created_keys.get(str(row.key).strip().casefold()) if row.action == "create" else None
        if made is not None:
            if getattr(row, "line", None) is not None:
                created[row.line] = made
        elif row.user_id is None or row.user_id not in written:
            left.append(row)
    if found.status != OPEN:
        found = await journal.set_status(client, change, OPEN)
    undoes = found.undoes
    return await apply_recorded(client, saved.kind, left, document, index=saved.index, change=found,
                                created=created, undoes=undoes, **options)


async def _current(client: RosterClient, ids: list[str]) -> dict[str, tuple[dict[str, Any] | None, int | None]]:
    """Each user's document and version now (None, None: gone)."""
    out: dict[str, tuple[dict[str, Any] | None, int | None]] = dict.fromkeys(ids, (None, None))
    if len(ids) > READ_EACH_UP_TO:
        async for page in client.iter_pages(page_size=1000):
            for resource in page.resources:
                if resource.get("id") in out:
                    out[resource["id"]] = (resource, _version(resource))
        return out
    gate = asyncio.Semaphore(8)

    async def one(user_id: str) -> None:
        async with gate:
            try:
                resource = await client.get_user(user_id)
            except NotFound:
                return
            if resource is not None:
                out[user_id] = (resource, _version(resource))

    await asyncio.gather(*(one(i) for i in ids))
    return out


def _version(resource: dict[str, Any]) -> int | None:
    text = version_of(resource)
    digits = "".join(ch for ch in text or "" if ch.isdigit())
    return int(digits) if digits else None


async def plan_undo(client: RosterClient, change: int) -> UndoPlan:
    """The inverse of ``change``: each user it wrote back as before it, unless changed since (a conflict)."""
    await require_journal(client, "undo")
    found, _ = await find_change(client, change)
    if found.status == OPEN:
        raise ChangeError(f"change {change} is still open (interrupted): resume it first (roster resume {change})")
    touched = touched_users([w async for w in journal.iter_writes(client, change)])
    current = await _current(client, [t.user_id for t in touched])
    return UndoPlan(found, inverse_rows(touched, current))


async def apply_undo(client: RosterClient, plan: UndoPlan, **options: Any) -> ApplyResult:
    """Write an undo as a change of its own (which can be undone in turn: a redo)."""
    rows = plan.to_apply()
    document = partial(undo_document, rows, client.base_url, plan.change.id, plan.summary())
    return await apply_recorded(client, UNDO, rows, document, undoes=plan.change.id, **options)
