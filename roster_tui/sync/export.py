"""The roster export: every user (or the active, or the inactive ones) as CSV in the template's columns; and the
users of a console query, page by page (the console's export of the roster view)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TextIO

from roster_tui.core.export import export_row, write_rows
from roster_tui.core.roster import RosterEntry, RosterIndex
from roster_tui.scim.client import RosterClient
from roster_tui.sync.roster_index import PAGE_SIZE, emails_by_id, entry_attributes, entry_from_scim


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


async def roster_view_pages(client: RosterClient, *, filter: str | None, sort_by: str | None = None,
                            sort_order: str | None = None) -> AsyncIterator[tuple[int, list[list[str]]]]:
    """The users of a query, a page at a time, as ``(total, rows)`` in the export's columns (not escaped: the
    writer escapes). Never the whole roster in memory: each page's managers are looked up (and remembered)."""
    managers: dict[str, str] = {}
    attributes = await entry_attributes(client)
    pages = client.iter_pages(filter=filter, sort_by=sort_by, sort_order=sort_order, page_size=PAGE_SIZE,
                              attributes=attributes)
    async for page in pages:
        entries = [entry_from_scim(r) for r in page.resources]
        here = {e.id: e.email for e in entries}
        wanted = {e.manager_id for e in entries if e.manager_id} - managers.keys()
        managers.update({i: here[i] for i in wanted if i in here})
        if missing := wanted - here.keys():
            found = await emails_by_id(client, missing)
            managers.update({i: found.get(i, "") for i in missing})  # one not found is not asked again
        yield page.total_results, [export_row(e, managers.get(e.manager_id or ""), escape=False) for e in entries]
