"""``roster remove``: deactivate (or, where nothing is lost, delete) the users of a terms list.

Plans by default; ``--apply`` writes, asking first unless ``--yes``. Exit codes: :mod:`roster_tui.cli.runner`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any, TextIO

from roster_tui.cli.guards import guards_json, limits_of, print_guards, say_held
from roster_tui.cli.output import COLOURS, SERVICE_HELP, Style, fail
from roster_tui.cli.runner import confirm_and_apply, exit_code, print_applied
from roster_tui.connect import open_client
from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.removal_plan import SUMMARY_KEYS, RemovalKey, RemovalPlan, RemovalRow, parse_keys
from roster_tui.core.wording import kind_count, plural
from roster_tui.files import record_removed, removed_keys
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import apply_removal
from roster_tui.sync.remover import deleted_keys, plan_removal, read_keys_file
from roster_tui.sync.saved_plan import plan_document, save_plan

if TYPE_CHECKING:
    from roster_tui.config import ApiSettings
    from roster_tui.core.guards import Limits

AGAIN = "run the same removal again to apply the rest"
SECTIONS = (("deactivate", "Deactivate"), ("delete", "Delete"), ("unchanged", "Unchanged"),
            ("error", "Errors"))


def plan_json(plan: RemovalPlan, applied: ApplyResult | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": plan.summary(), **guards_json(plan), "rows": [r.as_json() for r in plan.rows]}
    if applied is not None:
        out["applied"] = applied.summary()
    return out


def _where(row: RemovalRow) -> str:
    return f"{row.origin} {row.line}" if row.line is not None else ""


def print_plan(source: str, keys: list[RemovalKey], plan: RemovalPlan, out: TextIO) -> None:
    s = Style(out)
    emails = sum(1 for k in keys if k.is_email)
    print(f"{source}: {len(keys)} keys ({emails} emails, {len(keys) - emails} employee IDs); "
          f"{'deleting where there are no training assignments' if plan.delete_when_allowed else 'deactivating'}",
          file=out)
    summary = plan.summary()
    print("Plan: " + ", ".join(s(kind_count(summary[k], k), COLOURS[k]) for k in SUMMARY_KEYS), file=out)
    print_guards(plan, out)
    for action, title in SECTIONS:
        rows = [r for r in plan.rows if r.action == action]
        if not rows:
            continue
        print(s(f"\n{title} ({len(rows)})", f"1;{COLOURS[action]}"), file=out)
        for row in rows:
            who = f"  {row.name} <{row.email}>" if row.name and row.email.lower() != row.key.lower() else (
                f"  {row.name}" if row.name else "")
            print(f"  {_where(row):>10}  {row.key}{who}", file=out)
            if action != "error":
                print(f"              {s(row.reason, '2')}", file=out)
            if row.reports_note and action in ("deactivate", "delete"):
                print(f"              {row.reports_note}", file=out)
            for error in row.errors:
                print(f"              {s(error, '31')}", file=out)
            for warning in row.warnings:
                print(f"              {s('warning: ' + warning, COLOURS['warning'])}", file=out)
    if plan.changes:
        deletes = summary["delete"]
        note = f" Deleting is permanent ({deletes} users)." if deletes else ""
        print(f"\nDeactivation can be undone by reactivating the user.{note}", file=out)


def cmd_remove(args: argparse.Namespace, settings: ApiSettings) -> int:
    if args.yes and not args.apply:
        return fail("--yes only makes sense with --apply")
    if args.out and args.apply:
        return fail("--out saves the plan to apply later (roster apply PLAN): not with --apply")
    if args.from_file and args.keys:
        return fail("give the keys as arguments or with --from FILE, not both")
    if not args.from_file and not args.keys:
        return fail("nothing to remove: give emails or employee IDs, or --from FILE")
    if args.apply and not args.yes and not sys.stdin.isatty():
        return fail("--apply asks for confirmation, but stdin is not a terminal: pass --yes to apply")
    try:
        keys = read_keys_file(args.from_file) if args.from_file else parse_keys(args.keys)
    except ImportFileError as exc:
        return fail(str(exc))
    if not keys:
        return fail(f"{args.from_file or 'the arguments'}: no emails or employee IDs to remove")
    source = args.from_file or "arguments"
    limits = limits_of(args)
    try:
        return asyncio.run(_remove(args, settings, source, keys, limits))
    except RosterApiError as exc:
        return fail(f"the roster API could not be used ({settings.source}): {exc}. {SERVICE_HELP}")


async def _remove(args: argparse.Namespace, settings: ApiSettings, source: str, keys: list[RemovalKey],
                  limits: Limits) -> int:
    import orjson

    async with open_client(settings) as client:
        plan = await plan_removal(client, keys, delete_when_allowed=args.delete_when_allowed,
                                  removed=removed_keys(settings.source), limits=limits, force=args.force)
        if not args.json:
            print_plan(source, keys, plan, sys.stdout)
            sys.stdout.flush()
        recorded = {"file": source, "keys": len(keys)} if args.from_file else {"keys": len(keys)}
        if args.out and not plan.held:  # a held plan is not saved: roster apply would pass its guards
            save_plan(plan_document(plan, settings.source, recorded), args.out, plan.changes)
        summary = plan.summary()
        permanent = " (deleting is permanent)" if summary["delete"] else ""
        question = (f"Remove {plural(plan.changes, 'user')} ({summary['deactivate']} deactivate, "
                    f"{summary['delete']} delete){permanent}?")
        applied = None if plan.held else await confirm_and_apply(
            plan, lambda progress, result: apply_removal(client, plan, on_progress=progress, result=result,
                                                         source=recorded),
            apply=args.apply, yes=args.yes, question=question, again=AGAIN,
            written=lambda result: record_removed(settings.source, deleted_keys(result)))
    if applied is not None:
        for outcome in applied.outcomes:
            outcome.row.result = outcome.status
            if outcome.status != "ok":
                outcome.row.errors.append(f"{outcome.status}: {outcome.error}")
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(plan_json(plan, applied)) + b"\n")
        sys.stdout.flush()
    elif applied is not None:
        print_applied(applied, _applied_where, AGAIN)
    return say_held(plan) if plan.held else exit_code(plan, applied)


def _applied_where(row: RemovalRow) -> str:
    return f"{_where(row)} {row.key}" if row.line is not None else row.key
