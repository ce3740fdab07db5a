"""``roster export`` (the roster as CSV, the template's columns) and ``roster template`` (its header)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

from roster_tui.cli.output import SERVICE_HELP, fail
from roster_tui.connect import open_client
from roster_tui.core.export import write_template
from roster_tui.files import replaced_whole
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.export import export_roster

if TYPE_CHECKING:
    from roster_tui.config import ApiSettings


def cmd_export(args: argparse.Namespace, settings: ApiSettings) -> int:
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
        return fail(f"the roster API could not be used ({settings.source}): {exc}. {SERVICE_HELP}")
    except BrokenPipeError:
        raise  # the reader of standard output went away: main() ends quietly
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
