"""``roster import``, ``roster export`` and ``roster template``: the headless CSV commands.

Exit codes of ``import``: 0 nothing to change and no row errors (with ``--apply``: everything applied);
1 changes or row errors found (or rows failed or conflicted); 2 the file, the arguments or the service
could not be used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.export import write_template
from roster_tui.core.mapping import load_mapping, mapping_from, parse_overrides, save_mapping
from roster_tui.core.models import ROSTER_FIELDS
from roster_tui.core.plan import KINDS, Plan, PlanRow
from roster_tui.core.validation import telling_examples
from roster_tui.files import replaced_whole

if TYPE_CHECKING:
    from roster_tui.api.importer import ApplyResult, PreparedFile
    from roster_tui.config import ApiSettings

SYNC_KEYS = {"email": "email", "employee-id": "employee_id", "employee_id": "employee_id"}


def add_import_parsers(sub: Any, api_flags: Any) -> None:
    """The ``import``, ``export`` and ``template`` subcommands."""
    imp = sub.add_parser("import", help="plan (and with --apply, apply) a CSV import")
    api_flags(imp)
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--sync-key", choices=("email", "employee-id"), help="match rows by (default: email)")
    imp.add_argument("--map", action="append", default=[], metavar="HEADER=field",
                     help=f"map a column to a field ({', '.join(ROSTER_FIELDS)}, or ignore)")
    imp.add_argument("--mapping", metavar="FILE|NAME", help="a saved mapping (TOML)")
    imp.add_argument("--save-mapping", metavar="FILE|NAME", help="save the mapping used for reuse")
    imp.add_argument("--date-format", metavar="FMT", help="the file's date format, e.g. '%%m/%%d/%%Y'")
    imp.add_argument("--deactivate-missing", action="store_true",
                     help="full sync: deactivate active users missing from the file")
    imp.add_argument("--force", action="store_true", help="allow the full sync past the 20%% guard")
    imp.add_argument("--errors-csv", metavar="OUT", help="write the rows with errors, plus an error column")
    imp.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    imp.add_argument("--apply", action="store_true", help="write the changes (asks first unless --yes)")
    imp.add_argument("--yes", action="store_true", help="apply without asking")

    exp = sub.add_parser("export", help="write the roster as CSV (the import template's columns)")
    api_flags(exp)
    exp.add_argument("-o", "--output", metavar="FILE")
    exp.add_argument("--status", choices=("active", "inactive", "all"), default="all")

    tpl = sub.add_parser("template", help="write the empty import template")
    tpl.add_argument("-o", "--output", metavar="FILE")


# -- output helpers ------------------------------------------------------------------------------------


class Style:
    def __init__(self, stream: TextIO) -> None:
        self.on = stream.isatty() and not os.environ.get("NO_COLOR")

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text


COLOURS = {"create": "32", "update": "36", "reactivate": "34", "deactivate": "33", "error": "31",
           "unchanged": "2", "warning": "33"}


def fail(message: str) -> int:
    print(f"roster: {message}", file=sys.stderr)
    return 2


def _show(value: Any) -> str:
    return "(blank)" if value in (None, "") else str(value)


def _row_json(r: PlanRow) -> dict[str, Any]:
    out = {"line": r.line, "action": r.action, "key": r.key,
           "changes": {k: [b, a] for k, (b, a) in r.changes.items()}, "errors": r.errors, "warnings": r.warnings}
    if r.training:
        out["training"] = r.training
    return out


def plan_json(plan: Plan, applied: ApplyResult | None = None) -> dict[str, Any]:
    """The ``--json`` object: ``{"summary": ..., "rows": [...], "applied": ...}`` (applied only with --apply)."""
    out: dict[str, Any] = {"summary": plan.summary(), "notes": plan.notes, "rows": [_row_json(r) for r in plan.rows]}
    if applied is not None:
        out["applied"] = applied.counts()
    return out


def write_plan_json(plan: Plan, applied: ApplyResult | None, out: BinaryIO, chunk: int = 1000) -> None:
    """:func:`plan_json` as orjson writes it, plus a newline, streamed row by row (never the whole text)."""
    import orjson

    dumps = orjson.dumps
    out.write(b'{"summary":' + dumps(plan.summary()) + b',"notes":' + dumps(plan.notes) + b',"rows":[')
    parts: list[bytes] = []
    sep = b""
    for row in plan.rows:
        parts.append(dumps(_row_json(row)))
        if len(parts) >= chunk:
            out.write(sep + b",".join(parts))
            parts, sep = [], b","
    if parts:
        out.write(sep + b",".join(parts))
    out.write(b"]" + (b',"applied":' + dumps(applied.counts()) if applied is not None else b"") + b"}\n")


MAX_NOTES = 50  # unmapped columns listed one by one; a file with thousands gets a count


def print_plan(prepared: PreparedFile, plan: Plan, out: TextIO) -> None:
    s = Style(out)
    info = prepared.csv.info
    print(f"{info.path}: {info.encoding_label}, {info.delimiter_name}-separated, {prepared.scan.rows} rows; "
          f"matched by {plan.sync_key.value}", file=out)
    mapped = ", ".join(f"{prepared.mapping.describe(i)} -> {f}" for i, f in prepared.mapping.fields.items())
    print(f"Columns: {mapped}", file=out)
    notes = prepared.mapping.notes
    for note in notes[:MAX_NOTES]:
        print(s(f"  not imported: {note.header or '(no header)'} (column {note.letter}): {note.reason}", "33"),
              file=out)
    if len(notes) > MAX_NOTES:
        print(s(f"  … and {len(notes) - MAX_NOTES:,} more columns not imported", "33"), file=out)
    summary = plan.summary()
    print("Plan: " + ", ".join(s(f"{summary[k]} {k}", COLOURS[k]) for k in (*KINDS, "warning")), file=out)
    if plan.full_sync and plan.missing and not plan.refusal:
        print(s(f"!! FULL SYNC: {plan.missing} users missing from the file will be DEACTIVATED", "1;31"),
              file=out)
    for kind in ("create", "update", "reactivate", "deactivate"):
        rows = [r for r in plan.rows if r.action == kind]
        if rows:
            print(s(f"\n{kind.capitalize()} ({len(rows)})", f"1;{COLOURS[kind]}"), file=out)
            for row in rows:
                _print_row(row, out, s)
    errors = [r for r in plan.rows if r.action == "error"]
    if errors:
        print(s(f"\nErrors ({len(errors)})", "1;31"), file=out)
        for row in errors:
            for error in row.errors:
                print(f"  line {row.line}: {error}", file=out)
    warned = [r for r in plan.rows if r.warnings]
    if warned or plan.notes:
        print(s(f"\nWarnings ({len(warned) + len(plan.notes)})", "1;33"), file=out)
        for note in plan.notes:
            print(f"  {note}", file=out)
        for row in warned:
            for warning in row.warnings:
                print(f"  line {row.line} {row.key}: {warning}", file=out)


def _print_row(row: PlanRow, out: TextIO, s: Style) -> None:
    where = f"line {row.line}" if row.line is not None else "not in file"
    if row.action == "create":
        fields = "; ".join(f"{k} {_show(a)}" for k, (_b, a) in row.changes.items() if k != "email")
        print(f"  + {where}  {row.key}  ({fields})", file=out)
        return
    print(f"  {where}  {row.key}", file=out)
    for name, (before, after) in row.changes.items():
        print(f"      {name}: {s(_show(before), '2')} -> {_show(after)}", file=out)
    if row.training:
        print(f"      training: {row.training}", file=out)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Any]:
    def update(done: int, total: int) -> None:
        if enabled and total:
            width = 30
            filled = width * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stderr.flush()

    try:
        yield update
    finally:
        if enabled:
            sys.stderr.write("\n")


# -- the commands --------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, settings: ApiSettings) -> int:
    from roster_tui.api.errors import RosterApiError
    from roster_tui.api.importer import prepare_file
    if args.yes and not args.apply:
        return fail("--yes only makes sense with --apply")
    if args.force and not args.deactivate_missing:
        return fail("--force only makes sense with --deactivate-missing")
    if args.apply and not args.yes and not sys.stdin.isatty():
        return fail("--apply asks for confirmation, but stdin is not a terminal: pass --yes to apply")
    try:
        saved = load_mapping(args.mapping) if args.mapping else None
        overrides = parse_overrides(args.map)
        sync = SYNC_KEYS[args.sync_key or (saved.sync_key if saved and saved.sync_key else "email")]
        prepared = prepare_file(args.file, sync_key=sync, overrides=overrides, saved=saved,
                                date_format=args.date_format, scan=False)  # plan_import scans it
    except ImportFileError as exc:
        return fail(str(exc))
    try:
        return asyncio.run(_import(args, settings, prepared))
    except RosterApiError as exc:
        return fail(f"the roster API could not be used ({settings.source}): {exc}. Check --api or "
                    "ROSTER_API_URL and the token (ROSTER_API_TOKEN or --token-file)")
    except ImportFileError as exc:
        return fail(str(exc))


async def _import(args: argparse.Namespace, settings: ApiSettings, prepared: PreparedFile) -> int:
    from roster_tui.api.connect import open_client
    from roster_tui.api.importer import ApplyResult, apply_plan, plan_import, write_errors_csv
    async with open_client(settings) as client:
        plan = await plan_import(client, prepared, deactivate_missing=args.deactivate_missing,
                                 force=args.force)
        _say_dates(prepared)
        if args.save_mapping:
            chosen = mapping_from(prepared.mapping)
            chosen.sync_key, chosen.date_format = prepared.sync_key.value, prepared.validator.date_format
            print(f"mapping saved to {save_mapping(chosen, args.save_mapping)}", file=sys.stderr)
        if plan.refusal:
            return fail(plan.refusal + ("; pass --force to go ahead" if plan.forcible else ""))
        if not args.json:
            print_plan(prepared, plan, sys.stdout)
        errors = {r.line: "; ".join(r.errors) for r in plan.rows if r.action == "error" and r.line is not None}
        applied: ApplyResult | None = None
        if args.apply and plan.changes:
            if not args.yes and not _confirm(plan):
                print("nothing applied", file=sys.stderr)
                args.apply = False
            else:
                with progress_bar(sys.stderr.isatty()) as update:
                    applied = await apply_plan(client, plan, on_progress=update)
                for outcome in applied.outcomes:
                    if outcome.status != "ok" and outcome.row.line is not None:
                        errors[outcome.row.line] = f"{outcome.status}: {outcome.error}"
        elif args.apply:
            applied = ApplyResult()
    if args.json:
        sys.stdout.flush()
        write_plan_json(plan, applied, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    elif applied is not None:
        _print_applied(applied)
    if args.errors_csv:
        count = write_errors_csv(prepared, errors, args.errors_csv)
        print(f"{count} rows with errors written to {args.errors_csv}", file=sys.stderr)
    if args.apply and applied is not None:
        counts = applied.counts()
        clean = not counts["conflict"] and not counts["failed"] and not plan.errors and not applied.cancelled
        return 0 if clean else 1
    return 0 if not plan.changes and not plan.errors else 1


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


def _confirm(plan: Plan) -> bool:
    summary = plan.summary()
    counts = ", ".join(f"{summary[k]} {k}" for k in ("create", "update", "reactivate", "deactivate"))
    try:
        answer = input(f"Apply {plan.changes} changes ({counts})? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _print_applied(applied: ApplyResult) -> None:
    counts = applied.counts()
    s = Style(sys.stdout)
    print(f"\nApplied: {s(str(counts['ok']) + ' ok', '32')}, {s(str(counts['conflict']) + ' conflict', '33')}, "
          f"{s(str(counts['failed']) + ' failed', '31')}")
    for outcome in applied.outcomes:
        if outcome.status != "ok":
            where = f"line {outcome.row.line}" if outcome.row.line is not None else outcome.row.key
            print(f"  {where} {outcome.row.key}: {outcome.status}: {outcome.error}")
    if applied.cancelled:
        print("interrupted: import the same file again to apply the rest")


def cmd_export(args: argparse.Namespace, settings: ApiSettings) -> int:
    from roster_tui.api.connect import open_client
    from roster_tui.api.errors import RosterApiError
    from roster_tui.api.importer import export_roster
    async def run(out: TextIO) -> int:
        async with open_client(settings) as client:
            return await export_roster(client, out, args.status)

    try:
        if args.output:
            with replaced_whole(args.output, encoding="utf-8-sig") as f:
                count = asyncio.run(run(f))
            print(f"{count} users written to {args.output}", file=sys.stderr)
        else:
            sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
            asyncio.run(run(sys.stdout))
    except RosterApiError as exc:
        return fail(f"the roster API could not be used ({settings.source}): {exc}")
    except OSError as exc:
        return fail(f"{args.output}: {exc.strerror or exc}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    try:
        if args.output:
            with replaced_whole(args.output, encoding="utf-8-sig") as f:
                write_template(f)
        else:
            sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
            write_template(sys.stdout)
    except OSError as exc:
        return fail(f"{args.output}: {exc.strerror or exc}")
    return 0
