"""``roster import``: plan a CSV import (and with ``--apply``, apply it). Exit codes: :mod:`roster_tui.cli.runner`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from roster_tui.cli.guards import guards_json, limits_of, print_guards, say_held
from roster_tui.cli.output import COLOURS, SERVICE_HELP, Style, fail, show
from roster_tui.cli.runner import confirm_and_apply, exit_code, print_applied
from roster_tui.cli.shape_out import print_anomalies, print_groups, shape_json_parts
from roster_tui.config import anomaly_limits
from roster_tui.connect import open_client
from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.issues import Hint
from roster_tui.core.mapping import IGNORE, check_field, mapping_from
from roster_tui.core.models import ROSTER_FIELDS
from roster_tui.core.plan import KINDS, WRITES, Plan, PlanRow
from roster_tui.core.validation import telling_examples
from roster_tui.core.wording import kind_count, plural
from roster_tui.files import load_mapping, save_mapping
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import apply_plan
from roster_tui.sync.import_file import PreparedFile, error_lines, prepare_file, write_errors_csv
from roster_tui.sync.importer import plan_import
from roster_tui.sync.saved_plan import file_source, plan_document, save_plan

if TYPE_CHECKING:
    from roster_tui.config import ApiSettings
    from roster_tui.core.anomaly_limits import AnomalyLimits
    from roster_tui.core.guards import Limits

AGAIN = "import the same file again to apply the rest"
SYNC_KEYS = {"email": "email", "employee-id": "employee_id", "employee_id": "employee_id"}


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``HEADER=field`` strings from ``--map`` as a dict; raises on a malformed item or unknown field."""
    out: dict[str, str] = {}
    for item in items:
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip():
            raise ImportFileError(f"--map {item!r} is not HEADER=field",
                                  hint=f"Fields: {', '.join(ROSTER_FIELDS)} (or {IGNORE})")
        out[header.strip()] = check_field(target.strip(), f"--map {item!r}")
    return out


# -- output helpers ------------------------------------------------------------------------------------


def _row_json(r: PlanRow) -> dict[str, Any]:
    out = {"line": r.line, "action": r.action, "key": r.key,
           "changes": {k: [b, a] for k, (b, a) in r.changes.items()}, "errors": r.errors, "warnings": r.warnings}
    if r.training:
        out["training"] = r.training
    return out


def plan_json(plan: Plan, applied: ApplyResult | None = None) -> dict[str, Any]:
    """The ``--json`` object: ``{"summary": ..., "rows": [...], "applied": ...}`` (applied only with --apply)."""
    out: dict[str, Any] = {"summary": plan.summary(), "notes": plan.notes, **guards_json(plan),
                           "anomalies": [a.as_json() for a in plan.anomalies],
                           "groups": [g.as_json() for g in plan.groups], "rows": [_row_json(r) for r in plan.rows]}
    if applied is not None:
        out["applied"] = applied.summary()
    return out


def write_plan_json(plan: Plan, applied: ApplyResult | None, out: BinaryIO, chunk: int = 1000) -> None:
    """:func:`plan_json` as orjson writes it, plus a newline, streamed row by row (never the whole text)."""
    import orjson

    dumps = orjson.dumps
    guards = dumps(guards_json(plan))[1:-1]  # "held":[...],"forced":[...]
    out.write(b'{"summary":' + dumps(plan.summary()) + b',"notes":' + dumps(plan.notes) + b"," + guards + b",")
    for part in shape_json_parts(plan, dumps):
        out.write(part + b",")
    out.write(b'"rows":[')
    parts: list[bytes] = []
    sep = b""
    for row in plan.rows:
        parts.append(dumps(_row_json(row)))
        if len(parts) >= chunk:
            out.write(sep + b",".join(parts))
            parts, sep = [], b","
    if parts:
        out.write(sep + b",".join(parts))
    out.write(b"]" + (b',"applied":' + dumps(applied.summary()) if applied is not None else b"") + b"}\n")


MAX_NOTES = 50  # unmapped columns listed one by one; a file with thousands gets a count


def print_plan(prepared: PreparedFile, plan: Plan, out: TextIO, every_group: bool = False) -> None:
    """The plan as text: the file, the counts, the guards, the anomalies, the changes by field and value, then
    each user's (``every_group``: every group, and no per-user list)."""
    s = Style(out)
    info = prepared.csv.info
    print(f"{info.path}: {info.format_text}, {plural(prepared.scan.rows, 'row')}; matched by "
          f"{plan.sync_key.value}", file=out)
    mapped = ", ".join(f"{prepared.mapping.describe(i)} -> {f}" for i, f in prepared.mapping.fields.items())
    print(f"Columns: {mapped}", file=out)
    notes = prepared.mapping.notes
    for note in notes[:MAX_NOTES]:
        how = f" (--map '{note.header}=FIELD' imports it)" if note.hint == Hint.MAP_COLUMN else ""
        print(s(f"  not imported: {note.header or '(no header)'} (column {note.letter}): {note.reason}{how}",
                "33"), file=out)
    if len(notes) > MAX_NOTES:
        print(s(f"  … and {len(notes) - MAX_NOTES:,} more columns not imported", "33"), file=out)
    summary = plan.summary()
    print("Plan: " + ", ".join(s(kind_count(summary[k], k), COLOURS[k]) for k in (*KINDS, "warning")), file=out)
    print_guards(plan, out)
    if plan.full_sync and plan.missing and not plan.refusal:
        print(s(f"!! FULL SYNC: {plan.missing} users missing from the file will be DEACTIVATED", "1;31"),
              file=out)
    print_anomalies(plan, out, s)
    print_groups(plan, out, s, every_group)
    for kind in () if every_group else ("create", "update", "reactivate", "deactivate"):
        rows = [r for r in plan.rows if r.action == kind]
        if rows:
            print(s(f"\n{kind.capitalize()} ({len(rows)})", f"1;{COLOURS[kind]}"), file=out)
            for row in rows:
                _print_row(row, out, s, plan.sync_key.value, prepared.row_word)
    errors = [r for r in plan.rows if r.action == "error"]
    if errors:
        print(s(f"\nErrors ({len(errors)})", "1;31"), file=out)
        for row in errors:
            for error in row.errors:
                print(f"  {prepared.row_word} {row.line}: {error}", file=out)
    warned = [r for r in plan.rows if r.warnings]
    if warned or plan.notes:
        print(s(f"\nWarnings ({len(warned) + len(plan.notes)})", "1;33"), file=out)
        for note in plan.notes:
            print(f"  {note}", file=out)
        for row in warned:
            for warning in row.warnings:
                print(f"  {prepared.row_word} {row.line} {row.key}: {warning}", file=out)


def _print_row(row: PlanRow, out: TextIO, s: Style, key_field: str, row_word: str) -> None:
    where = f"{row_word} {row.line}" if row.line is not None else "not in file"
    if row.action == "create":
        fields = "; ".join(f"{k} {show(a)}" for k, (_b, a) in row.changes.items() if k != key_field)
        print(f"  + {where}  {row.key}  ({fields})", file=out)
        return
    print(f"  {where}  {row.key}", file=out)
    for name, (before, after) in row.changes.items():
        print(f"      {name}: {s(show(before), '2')} -> {show(after)}", file=out)
    if row.training:
        print(f"      training: {row.training}", file=out)


# -- the commands --------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, settings: ApiSettings) -> int:
    if args.yes and not args.apply:
        return fail("--yes only makes sense with --apply")
    if args.out and args.apply:
        return fail("--out saves the plan to apply later (roster apply PLAN): not with --apply")
    limits, anomalies = limits_of(args), anomaly_limits()
    if args.apply and not args.yes and not sys.stdin.isatty():
        return fail("--apply asks for confirmation, but stdin is not a terminal: pass --yes to apply")
    try:
        saved = load_mapping(args.mapping) if args.mapping else None
        overrides = parse_overrides(args.map)
        sync = SYNC_KEYS[args.sync_key or (saved.sync_key if saved and saved.sync_key else "email")]
        prepared = prepare_file(args.file, sync_key=sync, overrides=overrides, saved=saved,
                                date_format=args.date_format, scan=False,  # plan_import scans it
                                sheet=args.sheet)
    except ImportFileError as exc:
        flags = " (--map 'HEADER=field', --sync-key)" if exc.action == Hint.MAP_COLUMN else ""
        return fail(f"{exc}{flags}")
    try:
        return asyncio.run(_import(args, settings, prepared, limits, anomalies))
    except RosterApiError as exc:
        return fail(f"the roster API could not be used ({settings.source}): {exc}. {SERVICE_HELP}")
    except ImportFileError as exc:
        return fail(str(exc))


async def _import(args: argparse.Namespace, settings: ApiSettings, prepared: PreparedFile, limits: Limits,
                  anomalies: AnomalyLimits) -> int:
    async with open_client(settings) as client:
        plan = await plan_import(client, prepared, deactivate_missing=args.deactivate_missing,
                                 force=args.force, limits=limits, anomalies=anomalies)
        _say_dates(prepared)
        if args.save_mapping:
            chosen = mapping_from(prepared.mapping)
            chosen.sync_key, chosen.date_format = prepared.sync_key.value, prepared.validator.date_format
            print(f"mapping saved to {save_mapping(chosen, args.save_mapping)}", file=sys.stderr)
        if plan.refusal:
            return fail(plan.refusal)
        if not args.json:
            print_plan(prepared, plan, sys.stdout, args.groups)
        source = file_source(prepared.csv.info.path, prepared.scan.rows, prepared.mapping_key)
        if args.out and not plan.held:  # a held plan is not saved: roster apply would pass its guards
            save_plan(plan_document(plan, settings.source, source), args.out, plan.changes)
        summary = plan.summary()
        counts = ", ".join(f"{summary[k]} {k}" for k in WRITES)
        applied = None if plan.held else await confirm_and_apply(
            plan, lambda progress, result: apply_plan(client, plan, on_progress=progress, result=result,
                                                      source=source),
            apply=args.apply, yes=args.yes, question=f"Apply {plan.changes} changes ({counts})?", again=AGAIN)
    if args.json:
        sys.stdout.flush()
        write_plan_json(plan, applied, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    elif applied is not None:
        print_applied(applied, lambda row: _where(row, prepared.row_word), AGAIN)
    if args.errors_csv:
        count = write_errors_csv(prepared, error_lines(plan, applied), args.errors_csv)
        print(f"{plural(count, 'row')} with errors written to {args.errors_csv}", file=sys.stderr)
    return say_held(plan) if plan.held else exit_code(plan, applied)


def _where(row: PlanRow, row_word: str) -> str:
    return f"{row_word} {row.line} {row.key}" if row.line is not None else row.key


def _say_dates(prepared: PreparedFile) -> None:
    """Say which format the file's non-ISO dates were read with, or why they could not be (those rows are
    errors; the other rows go on)."""
    column = prepared.mapping.column_of("hire_date")
    if column is None or not prepared.scan.date_values:
        return
    where = f"the dates of {prepared.mapping.describe(column)}"
    if len(prepared.date_formats) > 1:
        examples = "; ".join(telling_examples(prepared.scan.date_values, prepared.date_formats))
        print(f"{where} fit more than one format ({examples}); the rows with such dates are errors until you "
              "choose one with --date-format", file=sys.stderr)
    elif prepared.date_format_proposed:
        print(f"{where} are read as {prepared.validator.date_format}, the only format every one of them fits "
              "(--date-format chooses another)", file=sys.stderr)
    elif prepared.validator.date_format is None:
        print(f"{where} fit no one format: those that are not ISO (YYYY-MM-DD) are errors; declare the "
              "file's format with --date-format, e.g. '%m/%d/%Y'", file=sys.stderr)
