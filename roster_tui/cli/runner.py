"""What ``roster import`` and ``roster remove`` share once a plan is made: ask, apply with progress, report what
was and was not written, and the exit code.

Exit codes: 0 nothing to change and no row errors (with ``--apply``: everything applied); 1 changes or row
errors found (or rows failed or conflicted); 2 the file, the arguments or the service could not be used (also
when the service stopped answering part-way: what was written is reported, re-running plans only what is left);
3 the plan is held by a guard, nothing written (:mod:`roster_tui.cli.guards`: ``--force``, or raise the limit).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TextIO

from roster_tui.cli.output import Style, progress_bar
from roster_tui.sync.apply import ApplyResult, Progress


class AnyPlan(Protocol):
    @property
    def changes(self) -> int: ...

    @property
    def errors(self) -> int: ...


def ask(question: str) -> bool:
    """A yes/no question on the terminal; anything but yes is no."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


async def confirm_and_apply(plan: AnyPlan, write: Callable[[Progress, ApplyResult], Awaitable[ApplyResult]], *,
                            apply: bool, yes: bool, question: str, again: str,
                            written: Callable[[ApplyResult], None] | None = None) -> ApplyResult | None:
    """Apply ``plan`` with ``write(on_progress, result)`` when asked to and confirmed; None: nothing was applied.

    Interrupted (ctrl-C), it says what was written and what was not (``again``: how to write the rest) before
    the command ends. ``written`` is handed the result either way, once the writing has stopped."""
    if not apply:
        return None
    if not plan.changes:
        return ApplyResult()
    if not yes and not ask(question):
        print("nothing applied", file=sys.stderr)
        return None
    result = ApplyResult()
    try:
        with progress_bar(sys.stderr.isatty()) as update:
            result = await write(update, result)
    except asyncio.CancelledError:
        if written is not None:
            written(result)
        print_applied(result, lambda row: getattr(row, "key", ""), again)
        sys.stdout.flush()
        raise
    if written is not None:
        written(result)
    return result


def print_applied(applied: ApplyResult, where: Callable[[Any], str], again: str, out: TextIO | None = None) -> None:
    """The counts, each row not applied with why, and what was left out (``again``: how to write the rest), on
    ``out`` (standard output by default)."""
    out = out or sys.stdout
    counts = applied.counts()
    s = Style(out)
    print(f"\nApplied: {s(str(counts['ok']) + ' ok', '32')}, {s(str(counts['conflict']) + ' conflict', '33')}, "
          f"{s(str(counts['failed']) + ' failed', '31')}", file=out)
    for outcome in applied.outcomes:
        if outcome.status != "ok":
            print(f"  {where(outcome.row)}: {outcome.status}: {outcome.error}", file=out)
        elif outcome.warning:
            print(f"  {where(outcome.row)}: applied, but {outcome.warning}", file=out)
    if applied.stopped or applied.cancelled:
        why = f"stopped: {applied.stopped}" if applied.stopped else "interrupted"
        unsure = (f"{len(applied.unconfirmed)} sent without an answer (the service may have written them), "
                  if applied.unconfirmed else "")
        print(f"{why}; {unsure}{len(applied.not_attempted)} not attempted: {again}", file=out)
    if applied.change is not None:
        print(f"recorded as change {applied.change} (roster changes lists it; roster undo {applied.change} takes it "
              "back)", file=out)


def exit_code(plan: AnyPlan, applied: ApplyResult | None) -> int:
    if applied is not None and applied.stopped:
        return 2
    if applied is not None:
        return 0 if applied.clean and not plan.errors else 1
    return 0 if not plan.changes and not plan.errors else 1
