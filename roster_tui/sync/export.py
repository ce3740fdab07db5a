"""The roster export: every user (or the active, or the inactive ones) as CSV in the template's columns."""

from __future__ import annotations

from typing import TextIO

from roster_tui.core.export import export_row, write_rows
from roster_tui.core.roster import RosterEntry, RosterIndex
from roster_tui.scim.client import RosterClient
from roster_tui.sync.roster_index import PAGE_SIZE, entry_attributes, entry_from_scim


async def export_roster(client: RosterClient, out: TextIO, status: str = "all") -> int:
    """Write the roster as CSV (the template's columns); ``status``: active, inactive or all."""
    index = RosterIndex()
    entries: list[RosterEntry] = []
    sort = "userName" if (await client.features()).sort else None
    pages = client.iter_pages(page_size=PAGE_SIZE, sort_by=sort, attributes=await entry_attributes(client))
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
