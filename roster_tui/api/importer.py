"""The CSV import against the roster API: read and check the file, fetch what the plan needs, plan, apply.

Planning streams the file twice (keys first, then rows) and fetches only the users it needs: batched
``filter`` lookups for a small file, one crawl of the roster for a large one (or for the full sync).
The pieces live in :mod:`~roster_tui.api.import_file` (the file), :mod:`~roster_tui.api.roster_index`
(reading the roster, the export) and :mod:`~roster_tui.api.apply` (writing a plan); this module joins them.
"""

from __future__ import annotations

from roster_tui.api.apply import ApplyResult, Outcome, apply_plan, create_resource, patch_operations
from roster_tui.api.client import RosterClient
from roster_tui.api.import_file import PreparedFile, prepare_file, write_errors_csv
from roster_tui.api.roster_index import crawl, entry_from_scim, export_roster, fetch_index, prefer_crawl
from roster_tui.core.plan import Plan, build_plan

__all__ = ["ApplyResult", "Outcome", "PreparedFile", "apply_plan", "build_plan", "crawl", "create_resource",
           "entry_from_scim", "export_roster", "fetch_index", "patch_operations", "plan_import",
           "prefer_crawl", "prepare_file", "write_errors_csv"]


async def plan_import(client: RosterClient, prepared: PreparedFile, *, deactivate_missing: bool = False,
                      force: bool = False) -> Plan:
    """Fetch what is needed and build the plan of a prepared file."""
    managers = prepared.mapping.column_of("manager") is not None
    index = await fetch_index(client, prepared.scan, full=deactivate_missing, managers=managers)
    return build_plan(prepared.rows(), index, prepared.scan, prepared.sync_key,
                      deactivate_missing=deactivate_missing, force=force)
