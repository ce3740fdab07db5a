"""Removing terminated users through the roster API: read the terms list, look the users up, plan.

Lookups are batched ``filter`` queries (the import's lookup, whole users); the last-admin check asks the service
for its active Account Admins, and each listed user's reports are counted. Applying is
:func:`roster_tui.sync.apply.apply_removal`.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from roster_tui.core.csv_reader import ImportFileError, open_csv
from roster_tui.core.guards import Limits
from roster_tui.core.mapping import FIELD_LABELS, resolve_mapping
from roster_tui.core.models import ACCOUNT_ADMIN
from roster_tui.core.removal_plan import RemovalKey, RemovalPlan, build_removal_plan, key_of_line
from roster_tui.core.roster import RosterIndex
from roster_tui.core.scim import FIELD_PATHS, user_from_scim
from roster_tui.core.validation import unescape_cell
from roster_tui.scim.client import RosterClient
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.guards import guard_plan
from roster_tui.sync.roster_index import eq_filters, look_up

CONCURRENCY = 4
PAGE_SIZE = 1000
EMAIL_PATH = FIELD_PATHS["email"]
EMPLOYEE_ID_PATH = FIELD_PATHS["employee_id"]
MANAGER_PATH = FIELD_PATHS["manager"]


# -- the terms list ------------------------------------------------------------------------------------


def read_keys_file(path: str | Path) -> list[RemovalKey]:
    """The keys of a terms list: one key per line, or a CSV with an email or employee-ID column.

    A first row naming the columns (``Email``, ``Employee ID`` or a synonym) is a header; otherwise the list
    is plain, its first line a key too, and each line's key is read by :func:`key_of_line` (comments and the
    text around the key dropped). Blank lines are skipped. Raises :class:`ImportFileError`.
    """
    source = open_csv(path)
    info = source.info
    mapping = resolve_mapping(info.header)
    email_col, id_col = mapping.column_of("email"), mapping.column_of("employee_id")
    if email_col is None and id_col is None:
        first = key_of_line(info.delimiter.join(unescape_cell(h) for h in info.header))
        if len([h for h in info.header if h]) > 1 and first and "@" not in first:
            raise ImportFileError(
                "no column holds emails or employee IDs", path=info.path, line=info.header_line,
                hint=f"Name a column {FIELD_LABELS['email']!r} or {FIELD_LABELS['employee_id']!r}, "
                     "or list one key per line")
        keys = [RemovalKey(first, info.header_line)] if first else []
        for line, cells in source.records():
            if key := key_of_line(info.delimiter.join(unescape_cell(c) for c in cells)):
                keys.append(RemovalKey(key, line))
        return keys
    keys = []
    for line, cells in source.records():
        value = ""
        for col in (email_col, id_col):
            if col is not None and col < len(cells) and unescape_cell(cells[col]):
                value = unescape_cell(cells[col])
                break
        if value:
            keys.append(RemovalKey(value, line))
    return keys


# -- looking the users up ------------------------------------------------------------------------------


def lookup_filters(keys: Iterable[RemovalKey]) -> list[str]:
    """``userName eq "a" or userName eq "b"`` (and employee-number) filters of at most LOOKUP_BATCH keys."""
    keys = list(keys)
    emails = {k.lookup for k in keys if k.is_email}
    ids = {k.lookup for k in keys if not k.is_email}
    return eq_filters(EMAIL_PATH, emails) + eq_filters(EMPLOYEE_ID_PATH, ids)


async def lookup_users(client: RosterClient, keys: list[RemovalKey]) -> RosterIndex:
    """The listed users, whole (their training and roles decide the removal)."""
    return await look_up(client, lookup_filters(keys), RosterIndex(), attributes=None, decode=user_from_scim)


async def active_account_admins(client: RosterClient) -> set[str]:
    """The ids of the roster's active Account Admins."""
    text = f'{FIELD_PATHS["roles"]} eq {json.dumps(ACCOUNT_ADMIN)} and active eq true'
    ids: set[str] = set()
    async for page in client.iter_pages(filter=text, page_size=PAGE_SIZE, attributes=["id", "active", "roles"]):
        for resource in page.resources:
            user = user_from_scim(resource)
            if user.id and user.active and ACCOUNT_ADMIN in user.roles:
                ids.add(user.id)
    return ids


async def count_reports(client: RosterClient, ids: Iterable[str]) -> dict[str, int]:
    """How many users each of ``ids`` manages (batched ``manager.value eq`` filters)."""
    counts: Counter[str] = Counter()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(text: str) -> None:
        async with gate:
            async for page in client.iter_pages(filter=text, page_size=PAGE_SIZE, attributes=[MANAGER_PATH]):
                for resource in page.resources:
                    manager = user_from_scim(resource).manager_id
                    if manager:
                        counts[manager] += 1

    await asyncio.gather(*(one(f) for f in eq_filters(MANAGER_PATH, set(ids))))
    return dict(counts)


@dataclass
class RemovalLookup:
    """What planning a removal needs from the roster: the listed users, the active Account Admins (when one is
    listed), and how many users each listed user manages."""

    index: RosterIndex
    active_admins: set[str] | None
    reports: dict[str, int]
    removed: Mapping[str, str] = field(default_factory=dict)  # keys of users deleted earlier -> when

    def plan(self, keys: list[RemovalKey], *, delete_when_allowed: bool = False) -> RemovalPlan:
        return build_removal_plan(keys, self.index, delete_when_allowed=delete_when_allowed,
                                  active_admin_ids=self.active_admins, reports=self.reports, removed=self.removed)


async def look_up_for_removal(client: RosterClient, keys: list[RemovalKey],
                              removed: Mapping[str, str] | None = None) -> RemovalLookup:
    """Look the keys' users up, with what the plan checks about them (``removed``: see :class:`RemovalLookup`)."""
    index = await lookup_users(client, keys)
    found = index.by_id
    admins = None
    if any(u.active and ACCOUNT_ADMIN in u.roles for u in found.values()):
        admins = await active_account_admins(client)
    return RemovalLookup(index, admins, await count_reports(client, found), dict(removed or {}))


async def plan_removal(client: RosterClient, keys: list[RemovalKey], *, delete_when_allowed: bool = False,
                       removed: Mapping[str, str] | None = None, limits: Limits | None = None,
                       force: bool = False) -> RemovalPlan:
    """Look the keys' users up and plan their removal, checked against the guards' ``limits`` (default:
    :class:`Limits`' defaults; ``force`` passes them)."""
    lookup = await look_up_for_removal(client, keys, removed)
    plan = lookup.plan(keys, delete_when_allowed=delete_when_allowed)
    plan.forced = force
    await guard_plan(client, plan, limits or Limits())
    return plan


def deleted_keys(result: ApplyResult) -> list[str]:
    """The keys of the users an apply deleted, or sent a deletion for without hearing back (they are gone)."""
    rows = [o.row for o in result.outcomes if o.status == "ok"] + list(result.unconfirmed)
    return [key for row in rows if getattr(row, "action", None) == "delete" for key in row.idents()]
