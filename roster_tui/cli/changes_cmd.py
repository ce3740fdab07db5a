"""``roster changes``, ``roster apply``, ``roster resume`` and ``roster undo``: the change journal from the command
line. Exit codes: :mod:`roster_tui.cli.runner` (and 2 when the server keeps no journal, or a plan is refused)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from roster_tui.cli.output import COLOURS, SERVICE_HELP, Style, fail, show
from roster_tui.cli.runner import confirm_and_apply, exit_code, print_applied
from roster_tui.connect import open_client
from roster_tui.core.changes import Change, Write
from roster_tui.core.undo import CONFLICT, UndoRow
from roster_tui.core.wording import plural
from roster_tui.scim import changes as journal
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.changes import (
    ChangeError,
    UndoPlan,
    apply_saved,
    apply_undo,
    find_change,
    plan_undo,
    require_journal,
    resume,
)
from roster_tui.sync.saved_plan import PlanFileError, read_plan, read_plan_file, undo_document, write_plan_file

if TYPE_CHECKING:
    from roster_tui.config import ApiSettings

AGAIN = "roster changes lists the change left open; roster resume N writes the rest"


def cmd_changes(args: argparse.Namespace, settings: ApiSettings) -> int:
    what = {"changes": _changes, "apply": _apply, "resume": _resume, "undo": _undo}[args.command]
    if getattr(args, "yes", False) and args.command == "undo" and not args.apply:
        return fail("--yes only makes sense with --apply")
    try:
        return asyncio.run(what(args, settings))
    except (ChangeError, PlanFileError) as exc:
        return fail(str(exc))
    except RosterApiError as exc:
        return fail(f"the roster API could not be used ({settings.source}): {exc}. {SERVICE_HELP}")


def _counts(counts: dict[str, Any]) -> str:
    return ", ".join(f"{v} {k}" for k, v in counts.items() if v and k != "warning") or "nothing"


def change_line(change: Change) -> str:
    outcome = f" ({_counts(change.outcome)})" if change.outcome else ""
    return (f"{change.id:>5}  {change.opened[:16].replace('T', ' ')}  {change.token[:16]:<16}  {change.kind:<7}  "
            f"{change.described[:32]:<32}  {_counts(change.counts)}  [{change.status}{outcome}]")


def write_line(write: Write) -> str:
    head = f"  {write.action:<15} {write.key}"
    fields = "; ".join(f"{name}: {show(pair[0])} -> {show(pair[1])}" for name, pair in write.changes.items()
                       if isinstance(pair, list) and len(pair) == 2)
    return f"{head}\n      {fields}" if fields else head


async def _changes(args: argparse.Namespace, settings: ApiSettings) -> int:
    async with open_client(settings) as client:
        await require_journal(client, "listing changes")
        if args.change is not None:
            change, _ = await find_change(client, args.change)
            writes = [w async for w in journal.iter_writes(client, args.change)]
            if args.json:
                sys.stdout.buffer.write(orjson.dumps({"change": change.__dict__, "writes": [
                    w.__dict__ | {"before": None} for w in writes]}) + b"\n")
                return 0
            print(change_line(change))
            for write in writes:
                print(write_line(write))
            return 0
        found = await journal.list_changes(client, status="open" if args.open else None, user=args.user)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps([c.__dict__ for c in found]) + b"\n")
    elif not found:
        print("no changes recorded yet" if not args.open else "no change is left open")
    else:
        print(f"{'#':>5}  {'when (UTC)':<16}  {'who':<16}  {'kind':<7}  {'source':<32}  counts  [status]")
        for change in found:
            print(change_line(change))
    return 0


async def _apply(args: argparse.Namespace, settings: ApiSettings) -> int:
    saved = read_plan_file(Path(args.plan))
    saved.check_service(settings.source)
    print(f"{args.plan}: {saved.kind} planned {saved.made or 'at an unknown time'} from "
          f"{saved.source.get('file') or saved.source.get('keys') or 'the console'}: {_counts(saved.counts)}")
    if saved.rows and not args.yes and not sys.stdin.isatty():
        return fail("apply asks for confirmation, but stdin is not a terminal: pass --yes")
    async with open_client(settings) as client:
        applied = await confirm_and_apply(
            _Counted(len(saved.rows)), lambda progress, result: apply_saved(
                client, saved, on_progress=progress, result=result),
            apply=True, yes=args.yes, question=f"Apply {plural(len(saved.rows), 'write')}?", again=AGAIN)
    if applied is not None:
        print_applied(applied, lambda row: str(getattr(row, "key", "")), AGAIN)
    return exit_code(_Counted(len(saved.rows)), applied)


class _Counted:
    """A plan known by its number of writes."""

    def __init__(self, changes: int, errors: int = 0) -> None:
        self.changes, self.errors = changes, errors


async def _resume(args: argparse.Namespace, settings: ApiSettings) -> int:
    if not args.yes and not sys.stdin.isatty():
        return fail("resume asks for confirmation, but stdin is not a terminal: pass --yes")
    async with open_client(settings) as client:
        await require_journal(client, "resuming")
        change, _ = await find_change(client, args.change)
        print(change_line(change))
        applied = await confirm_and_apply(
            _Counted(1), lambda progress, result: resume(client, args.change, on_progress=progress,
                                                         result=result),
            apply=True, yes=args.yes, question=f"Write what change {args.change} left?", again=AGAIN)
    if applied is not None:
        print_applied(applied, lambda row: str(getattr(row, "key", "")), AGAIN)
    return exit_code(_Counted(0), applied)


def print_undo(plan: UndoPlan) -> None:
    s = Style(sys.stdout)
    print(f"Undo of change {change_line(plan.change).strip()}")
    print("Plan: " + ", ".join(s(f"{n} {k}", COLOURS.get(k, "33")) for k, n in plan.summary().items()))
    for row in plan.rows:
        _print_undo_row(row, s)


def _print_undo_row(row: UndoRow, s: Style) -> None:
    colour = COLOURS.get(row.action, "33")
    print(f"  {s(row.action, colour):<12} {row.key}  {s(row.reason, '2')}")
    for name, (now, then) in row.changes.items():
        print(f"      {name}: {s(show(now), '2')} -> {show(then)}")


async def _undo(args: argparse.Namespace, settings: ApiSettings) -> int:
    if args.apply and not args.yes and not sys.stdin.isatty():
        return fail("--apply asks for confirmation, but stdin is not a terminal: pass --yes to apply")
    async with open_client(settings) as client:
        plan = await plan_undo(client, args.change)
        print_undo(plan)
        conflicts = plan.summary()[CONFLICT]
        if args.out:
            document = undo_document(plan.to_apply(), settings.source, plan.change.id, plan.summary())
            read_plan(document)  # what roster apply will read
            write_plan_file(document, Path(args.out))
            print(f"undo plan saved to {args.out}: roster apply {args.out} writes it", file=sys.stderr)
            return 0
        applied = await confirm_and_apply(
            _Counted(plan.changes, conflicts), lambda progress, result: apply_undo(
                client, plan, on_progress=progress, result=result),
            apply=args.apply, yes=args.yes, question=f"Undo change {args.change}: "
            f"{plural(plan.changes, 'write')}?", again=AGAIN)
    if applied is not None:
        print_applied(applied, lambda row: str(getattr(row, "key", "")), AGAIN)
    return exit_code(_Counted(plan.changes, conflicts), applied)
