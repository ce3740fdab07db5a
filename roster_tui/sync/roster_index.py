"""Reading the roster: the users a plan needs (batched lookups, or one crawl of the roster).

A crawl asks only for the attributes the plan compares (:func:`entry_attributes`: those the server has, each
by its full path), several pages at a time.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from roster_tui.core.key_scan import KeyScan
from roster_tui.core.models import ACCOUNT_ADMIN, TrainingAssignment
from roster_tui.core.roster import RosterEntry, RosterIndex
from roster_tui.core.scim import ENTERPRISE_USER, FIELD_PATHS, ROSTER_USER, primary_email, user_from_scim
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError

LOOKUP_BATCH = 50
MAX_FILTER_CHARS = 3500
PAGE_SIZE = 1000
LOOKUP_CONCURRENCY = 4
CRAWL_PARALLEL = 3
#: Statuses with which a server says it has no ``POST /.search`` (or refuses its body): ask by ``GET``.
SEARCH_UNSUPPORTED = frozenset({400, 404, 405, 501})
EMAIL_PATH = "userName"
EMPLOYEE_ID_PATH = FIELD_PATHS["employee_id"]
#: What :func:`entry_from_scim` reads on every server; the fields of the extensions are added when the server
#: has them (:func:`entry_attributes`). The rest of a user (training assignments above all) is not sent.
CORE_ATTRIBUTES = ("userName", "emails", "name", "title", "active", "roles", "meta.version")
EXTENSION_FIELDS = ("employee_id", "department", "division", "manager", "location", "hire_date")


async def entry_attributes(client: RosterClient) -> list[str]:
    """The attributes :func:`entry_from_scim` reads that the server has, each by its full path (a server may
    drop a bare extension URN from ``attributes``, and refuse a path it does not know)."""
    features = await client.features()
    return [*CORE_ATTRIBUTES, *(FIELD_PATHS[f].removesuffix(".value") for f in EXTENSION_FIELDS
                                if features.has_field(f))]


def entry_from_scim(resource: dict[str, Any]) -> RosterEntry:
    """The plan's view of a SCIM User resource (fast: no model validation; runs once per user of a crawl)."""
    get = resource.get
    name = get("name") or {}
    ent = get(ENTERPRISE_USER) or {}
    ours = get(ROSTER_USER) or {}
    manager = ent.get("manager")
    emails = get("emails")
    first = emails[0] if emails and isinstance(emails, list) else None
    if isinstance(first, dict) and first.get("primary") and first.get("type") == "work" and first.get("value"):
        email = str(first["value"])  # the usual case of primary_email
    else:
        email = primary_email(resource)
    return RosterEntry(
        get("id") or "",
        (get("meta") or {}).get("version"),
        email,
        ent.get("employeeNumber") or None,
        name.get("givenName") or "",
        name.get("familyName") or "",
        get("title") or None,
        ent.get("department") or None,
        ent.get("division") or None,
        ours.get("location") or None,
        (manager.get("value") if isinstance(manager, dict) else None) or None,
        ours.get("hireDate") or None,
        get("active", True) is not False,
        _holds_account_admin(get("roles")),
        emails if isinstance(emails, list) else None,
    )


def _holds_account_admin(roles: Any) -> bool:
    return bool(roles) and any(isinstance(r, dict) and r.get("value") == ACCOUNT_ADMIN for r in roles)


def _add_all(index: RosterIndex, resources: list[dict[str, Any]]) -> None:
    add = index.add
    for resource in resources:
        add(entry_from_scim(resource))


def eq_filters(path: str, values: Iterable[str]) -> list[str]:
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


async def look_up(client: RosterClient, filters: list[str], index: RosterIndex, *,
                  attributes: Sequence[str] | None = None,
                  decode: Callable[[dict[str, Any]], Any] = entry_from_scim) -> RosterIndex:
    """Add to ``index`` the users the ``filters`` find (``POST /.search``, or ``GET`` on a server without it),
    decoded with ``decode`` (whole users with ``attributes`` None, else those attributes; by default
    :func:`entry_from_scim` of :func:`entry_attributes`). The one lookup of the import, the removal and the
    console."""
    gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)
    if attributes is None and decode is entry_from_scim:
        attributes = await entry_attributes(client)
    wanted = list(attributes) if attributes is not None else None

    async def one(text: str) -> None:
        async with gate:
            try:
                page = await client.search_users(filter=text, count=LOOKUP_BATCH * 2, attributes=wanted)
            except RosterApiError as exc:
                if exc.status not in SEARCH_UNSUPPORTED:
                    raise
                page = await client.list_users(filter=text, count=LOOKUP_BATCH * 2, attributes=wanted)
        for resource in page.resources:
            index.add(decode(resource))

    await asyncio.gather(*(one(f) for f in filters))
    return index


async def crawl(client: RosterClient, index: RosterIndex | None = None, *,
                parallel: int = CRAWL_PARALLEL) -> RosterIndex:
    """The whole roster in pages of PAGE_SIZE, ``parallel`` requests at a time (by ``startIndex``).

    Pages follow the service's default (insertion) order; a final sequential pass picks up anything
    the parallel pages missed because the roster changed meanwhile.
    """
    index = index or RosterIndex()
    attributes = await entry_attributes(client)
    first = await client.list_users(count=PAGE_SIZE, attributes=attributes)
    _add_all(index, first.resources)
    step = len(first.resources)
    if step and first.total_results > step:
        gate = asyncio.Semaphore(parallel)

        async def page(start: int) -> None:
            async with gate:
                got = await client.list_users(start_index=start, count=step, attributes=attributes)
            _add_all(index, got.resources)

        await asyncio.gather(*(page(s) for s in range(1 + step, first.total_results + 1, step)))
        if len(index.by_id) < first.total_results:  # a server that pages differently: walk it all
            async for p in client.iter_pages(page_size=PAGE_SIZE, attributes=attributes):
                _add_all(index, p.resources)
    index.complete = True
    return index


async def emails_by_id(client: RosterClient, ids: Iterable[str]) -> dict[str, str]:
    """The email of each of ``ids`` that is a user of the roster (to show people, never raw ids)."""
    index = await look_up(client, eq_filters("id", set(ids)), RosterIndex())
    return {user_id: entry.email for user_id, entry in index.by_id.items()}


async def assignments_by_id(client: RosterClient, ids: Iterable[str]) -> dict[str, tuple[TrainingAssignment, ...]]:
    """The training assignments of each of ``ids`` (what a deactivation cancels, a reactivation restores)."""
    index = await look_up(client, eq_filters("id", set(ids)), RosterIndex(),
                          attributes=["id", f"{ROSTER_USER}:trainingAssignments"], decode=user_from_scim)
    return {user_id: user.assignments for user_id, user in index.by_id.items()}


def prefer_crawl(keys: int, total: int) -> bool:
    """Whether paging through ``total`` users is cheaper than looking up ``keys`` values by filter."""
    per_user = 0.02  # a user in a response, relative to the cost of one request
    lookups = math.ceil(keys / LOOKUP_BATCH) + per_user * min(keys, total)
    return math.ceil(total / PAGE_SIZE) + per_user * total <= lookups


async def fetch_index(client: RosterClient, scan: KeyScan, *, full: bool = False) -> RosterIndex:
    """The existing users the plan needs, with their current managers (the preview names them): by lookups or
    by one crawl, whichever is cheaper (or ``full``)."""
    emails, employee_ids = scan.lookup_emails(), scan.lookup_employee_ids()
    if not full:
        total = (await client.list_users(count=0)).total_results
        if total == 0:
            return RosterIndex(complete=True)
        full = prefer_crawl(len(emails) + len(employee_ids), total)
    if full:
        return await crawl(client)
    index = RosterIndex()
    await look_up(client, eq_filters(EMAIL_PATH, emails) + eq_filters(EMPLOYEE_ID_PATH, employee_ids), index)
    wanted = {u.manager_id for u in list(index.by_id.values()) if u.manager_id} - set(index.by_id)
    await look_up(client, eq_filters("id", wanted), index)
    return index
