"""The wizard's one door to the CSV import engine: every import rule comes from here, none is re-implemented.

If the engine's modules move, fix the imports in this file only. The wizard runs the same steps as
``roster import``: ``prepare_file`` (open, map), ``plan_import`` (scan, check,
fetch, plan), ``apply_plan``, ``write_errors_csv``. The engine runs its CPU work in short slices on the event
loop, so the console stays responsive while it works.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from roster_tui.api.importer import (
    ApplyResult,
    Outcome,
    PreparedFile,
    apply_plan,
    plan_import,
    prepare_file,
    write_errors_csv,
)
from roster_tui.api.slices import run_in_slices
from roster_tui.core.csv_reader import DELIMITER_NAMES, CsvFile, CsvInfo, ImportFileError, open_csv
from roster_tui.core.mapping import (
    FIELD_LABELS,
    IGNORE,
    Mapping,
    ResolvedMapping,
    column_letter,
    load_mapping,
    mapping_from,
    mappings_dir,
    resolve_mapping,
    save_mapping,
)
from roster_tui.core.models import ROSTER_FIELDS, SyncKey
from roster_tui.core.plan import FULL_SYNC_LIMIT, KINDS, Plan, PlanRow, RosterIndex, display_manager
from roster_tui.core.validation import check_date_format, telling_examples

__all__ = [
    "DELIMITER_NAMES", "FIELD_LABELS", "FULL_SYNC_LIMIT", "IGNORE", "KINDS", "ROSTER_FIELDS", "ApplyResult",
    "CsvFile", "CsvInfo", "ImportFileError", "Mapping", "Outcome", "Plan", "PlanRow", "PreparedFile",
    "ResolvedMapping", "RosterIndex", "SyncKey", "apply_plan", "check_date_format", "column_letter", "count_rows",
    "display_manager",
    "error_lines", "head_rows", "load_mapping", "mapping_from", "mappings_dir", "open_file", "plan_import", "prepare",
    "resolve_mapping", "run_in_slices", "save_mapping", "telling_examples", "write_errors_csv",
]

def open_file(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> CsvFile:
    """Open a file as the engine detects it; ``encoding`` / ``delimiter`` replace a wrong guess."""
    return open_csv(path, encoding=encoding, delimiter=delimiter)


def head_rows(source: CsvFile, count: int = 8) -> list[tuple[int, list[str]]]:
    """The first ``count`` data records (line, cells)."""
    return list(itertools.islice(source.records(), count))


async def count_rows(source: CsvFile) -> int:
    """The number of data records, counted in slices (the event loop keeps running)."""
    return await run_in_slices(iter(source.records()), lambda _batch: None)


def prepare(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
            sync_key: SyncKey | str = SyncKey.EMAIL, overrides: dict[str, str] | None = None,
            date_format: str | None = None) -> PreparedFile:
    """The engine's ``prepare_file`` without its first pass: ``plan_import`` does that, in slices."""
    return prepare_file(path, sync_key=sync_key, overrides=overrides, date_format=date_format,
                        encoding=encoding, delimiter=delimiter, scan=False)


def error_lines(plan: Plan, applied: ApplyResult | None = None) -> dict[int, str]:
    """Line -> reason of every row the errors CSV holds, as ``roster import --errors-csv`` collects them."""
    errors = {r.line: "; ".join(r.errors) for r in plan.rows if r.action == "error" and r.line is not None}
    if applied is not None:
        for outcome in applied.outcomes:
            if outcome.status != "ok" and outcome.row.line is not None:
                errors[outcome.row.line] = f"{outcome.status}: {outcome.error}"
    return errors


def describe_kind_counts(summary: dict[str, Any]) -> str:
    """``3 create, 1 update, ...`` in the engine's order of kinds."""
    return ", ".join(f"{summary[k]} {k}" for k in (*KINDS, "warning"))
