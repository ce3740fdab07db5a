"""The wizard's one door to the CSV import engine: every import rule comes from here, none is re-implemented.

If the engine's modules move, fix the imports in this file only. The wizard runs the same steps as
``roster import``: ``prepare_file`` (read, map, scan), ``fetch_index`` + ``build_plan`` (the composition of
``plan_import``, split so the CPU-bound ``build_plan`` can run in a thread), ``apply_plan``, ``write_errors_csv``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from roster_tui.api.client import RosterClient
from roster_tui.api.importer import (
    ApplyResult,
    Outcome,
    PreparedFile,
    apply_plan,
    fetch_index,
    prepare_file,
    write_errors_csv,
)
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
from roster_tui.core.plan import FULL_SYNC_LIMIT, KINDS, Plan, PlanRow, RosterIndex, build_plan
from roster_tui.core.validation import check_date_format

__all__ = [
    "DELIMITER_NAMES", "FIELD_LABELS", "FULL_SYNC_LIMIT", "IGNORE", "KINDS", "ROSTER_FIELDS", "ApplyResult",
    "CsvFile", "CsvInfo", "ImportFileError", "Mapping", "Outcome", "Plan", "PlanRow", "PreparedFile",
    "ResolvedMapping", "RosterIndex", "SyncKey", "apply_plan", "check_date_format", "column_letter", "error_lines",
    "fetch_for_plan", "head_rows", "load_mapping", "make_plan", "mapping_from", "mappings_dir", "open_file",
    "prepare", "resolve_mapping", "save_mapping", "write_errors_csv",
]

ENCODINGS = {"utf-8": "UTF-8 (chosen)", "utf-8-sig": "UTF-8 with BOM (chosen)", "utf-16": "UTF-16 (chosen)",
             "cp1252": "Windows-1252 (chosen)"}


def open_file(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> CsvFile:
    """Open a file as the engine detects it; ``encoding`` / ``delimiter`` replace a wrong guess.

    The override only swaps the two detected settings of the engine's reader, which then reads as usual.
    """
    source = open_csv(path)
    if encoding is None and delimiter is None:
        return source
    # the reader has no override parameter yet: swap its two detected settings
    source._encoding = encoding or source._encoding
    source._delimiter = delimiter or source._delimiter
    try:
        header, line = source._read_header()
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"the file is not valid {encoding} text: {exc.reason}", path=str(path)) from None
    label = ENCODINGS.get(source._encoding, source._encoding) if encoding else source.info.encoding_label
    source.info = CsvInfo(str(path), source._encoding, label, source._delimiter, header, line)
    return source


def head_rows(source: CsvFile, count: int = 8) -> list[tuple[int, list[str]]]:
    """The first ``count`` data records (line, cells)."""
    return list(itertools.islice(source.records(), count))


def prepare(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
            sync_key: SyncKey | str = SyncKey.EMAIL, overrides: dict[str, str] | None = None,
            date_format: str | None = None) -> PreparedFile:
    """The engine's ``prepare_file``; with a chosen ``encoding`` / ``delimiter``, its steps over that reader."""
    if encoding is None and delimiter is None:
        return prepare_file(path, sync_key=sync_key, overrides=overrides, date_format=date_format)
    from roster_tui.core.validation import RowValidator, scan_keys

    source = open_file(path, encoding, delimiter)
    if date_format:
        check_date_format(date_format)
    key = SyncKey(sync_key)
    mapping = resolve_mapping(source.info.header, overrides or {})
    if mapping.column_of(key.value) is None:
        raise ImportFileError(f"no column is mapped to {key.value} ({FIELD_LABELS[key.value]}), the sync field",
                              path=source.info.path, line=source.info.header_line)
    validator = RowValidator(mapping, key, date_format, source.info.delimiter_name)
    return PreparedFile(source, mapping, validator, scan_keys(source.records(), mapping), key)


async def fetch_for_plan(client: RosterClient, prepared: PreparedFile, *, full: bool) -> RosterIndex:
    """The existing users the plan needs, as ``plan_import`` fetches them."""
    managers = prepared.mapping.column_of("manager") is not None
    return await fetch_index(client, prepared.scan, full=full, managers=managers)


def make_plan(prepared: PreparedFile, index: RosterIndex, *, full: bool, force: bool) -> Plan:
    """The plan, as ``plan_import`` builds it (CPU-bound: run it in a thread)."""
    return build_plan(prepared.rows(), index, prepared.scan, prepared.sync_key, deactivate_missing=full,
                      force=force)


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
