"""The guards on the command line: the flags that override config.toml's ``[guards]``, and how a held plan is said.

A plan over a limit is held: nothing is written, each guard it breaks is one line on stderr, and the command exits
:data:`HELD` (also without ``--apply``: the plan as it stands would be held). ``--force`` passes the guards.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from roster_tui.cli.output import Style
from roster_tui.config import guard_limits
from roster_tui.core.guards import SETTINGS, SHARES, WANTED, Guard, Limit, Limits, flag_of, limit_value

#: The exit code of a plan held by a guard (nothing written); 2 stays "could not run", 1 "changes or errors".
HELD = 3
_WHAT = {"max_deactivations": "users one change may deactivate",
         "max_deletions": "users one change may delete",
         "max_share": "percent of the roster's users one change may write to",
         "full_sync_share": "percent of the active users the full sync may deactivate"}


class GuardedPlan(Protocol):
    guards: list[Guard]
    forced: bool

    @property
    def held(self) -> list[Guard]: ...


def _value(setting: str) -> Callable[[str], Limit]:
    """argparse's ``type`` for a guard's flag: a count, a percent, or off."""
    def parse(text: str) -> Limit:
        try:
            return limit_value(setting, text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: {WANTED[setting in SHARES]}, or off") from None
    parse.__name__ = setting  # argparse names the type in its error
    return parse


def add_guard_flags(parser: argparse.ArgumentParser, settings: tuple[str, ...]) -> None:
    """``--max-deactivations N`` and the others of ``settings``, and ``--force``."""
    group = parser.add_argument_group(
        "guards", f"a plan over a limit is held: nothing is written, exit {HELD}. The limits are [guards] in "
                  "config.toml (defaults otherwise); these flags override them, 'off' turns one off")
    for setting in settings:
        default = Limits().get(setting)
        shown = "off" if default is None else f"{default:g}{'%%' if setting in SHARES else ''}"
        group.add_argument(flag_of(setting), dest=setting, type=_value(setting), default=argparse.SUPPRESS,
                           metavar="PCT" if setting in SHARES else "N",
                           help=f"the most {_WHAT[setting]} (default {shown})")
    group.add_argument("--force", action="store_true", help="go ahead with a plan a guard holds")


def limits_of(args: argparse.Namespace) -> Limits:
    """config.toml's limits with the command's flags over them."""
    given = {s: getattr(args, s) for s in SETTINGS if hasattr(args, s)}
    return guard_limits().with_values(given, "{flag}")


def print_guards(plan: GuardedPlan, out: TextIO) -> None:
    """The preview's lines about the guards, at its top: each held one, or each passed with --force."""
    s = Style(out)
    for guard in plan.held:
        print(s(f"!! HELD: {guard.message}", "1;31"), file=out)
    if plan.forced:
        for guard in plan.guards:
            print(s(f"!! past a guard with --force: {guard.message}", "1;33"), file=out)


def say_held(plan: GuardedPlan) -> int:
    """One line on stderr per guard holding the plan, with how to pass it; the exit code, :data:`HELD`."""
    for guard in plan.held:
        print(f"roster: held, nothing written: {guard.message}. Pass --force to go ahead, or raise the limit "
              f"({guard.flag} {'PCT' if guard.setting in SHARES else 'N'}, or off)", file=sys.stderr)
    return HELD


def guards_json(plan: GuardedPlan) -> dict[str, list[dict[str, Any]]]:
    """``{"held": [...], "forced": [...]}``: the guards holding the plan, and those passed with --force."""
    return {"held": [g.as_json() for g in plan.held],
            "forced": [g.as_json() for g in plan.guards] if plan.forced else []}
