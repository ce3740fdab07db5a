"""The parsers of ``roster import``, ``export``, ``template``, ``remove``, ``changes``, ``apply``, ``resume`` and
``undo``, apart from the commands: parsing the command line imports none of their code (the console starts
without it)."""

from __future__ import annotations

import argparse
from typing import Any

from roster_tui.cli.guards import add_guard_flags
from roster_tui.core.models import ROSTER_FIELDS


def port_number(text: str) -> int:
    """A TCP port given on the command line (argparse's ``type``): 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 0 to 65535")
    return port


def add_import_parser(sub: Any, api_flags: Any) -> None:
    imp = sub.add_parser("import", help="plan (and with --apply, apply) a CSV or workbook import")
    api_flags(imp)
    imp.add_argument("file", metavar="FILE", help="the CSV file or workbook (.xlsx, .xls, .ods): a header row, "
                     "then one user per row")
    imp.add_argument("--sheet", metavar="NAME|N", help="the workbook's sheet to read (default: the first)")
    imp.add_argument("--sync-key", choices=("email", "employee-id"), help="match rows by (default: email)")
    imp.add_argument("--map", action="append", default=[], metavar="HEADER=field",
                     help=f"map a column to a field ({', '.join(ROSTER_FIELDS)}, or ignore)")
    imp.add_argument("--mapping", metavar="FILE|NAME", help="a saved mapping (TOML)")
    imp.add_argument("--save-mapping", metavar="FILE|NAME", help="save the mapping used for reuse")
    imp.add_argument("--date-format", metavar="FMT", help="the file's date format, e.g. '%%m/%%d/%%Y'")
    imp.add_argument("--deactivate-missing", action="store_true",
                     help="full sync: deactivate active users missing from the file")
    imp.add_argument("--errors-csv", metavar="OUT", help="write the rows with errors, plus an error column")
    imp.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    imp.add_argument("--groups", action="store_true",
                     help="list every group of changes (by field and value) instead of each user's changes")
    imp.add_argument("--apply", action="store_true", help="write the changes (asks first unless --yes)")
    imp.add_argument("--yes", action="store_true", help="apply without asking")
    imp.add_argument("--out", metavar="PLAN", help="save the plan (with each user's version) for roster apply; "
                     "writes nothing to the roster")
    add_guard_flags(imp, ("max_deactivations", "max_share", "full_sync_share"))


def add_export_parsers(sub: Any, api_flags: Any) -> None:
    exp = sub.add_parser("export", help="write the roster as CSV (the import template's columns)")
    api_flags(exp)
    exp.add_argument("-o", "--output", metavar="FILE", help="the file to write (default: standard output); it "
                     "is replaced only once the export is complete")
    exp.add_argument("--status", choices=("active", "inactive", "all"), default="all",
                     help="which users (default: all)")

    tpl = sub.add_parser("template", help="write the empty import template")
    tpl.add_argument("-o", "--output", metavar="FILE", help="the file to write (default: standard output)")


def add_remove_parser(sub: Any, api_flags: Any) -> None:
    rem = sub.add_parser("remove", help="plan (and with --apply, apply) removing terminated users",
                         description="Deactivate the users listed by email or employee ID (keeps their "
                                     "completed training records); with --delete-when-allowed, delete "
                                     "those with no training assignments at all.")
    api_flags(rem)
    rem.add_argument("keys", nargs="*", metavar="KEY", help="an email, or an employee ID (no @)")
    rem.add_argument("--from", dest="from_file", metavar="FILE",
                     help="a terms list: one key per line, or a CSV with an email or employee-ID column")
    rem.add_argument("--delete-when-allowed", action="store_true",
                     help="delete (for good) the users who have no training assignments")
    rem.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    rem.add_argument("--apply", action="store_true", help="remove the users (asks first unless --yes)")
    rem.add_argument("--yes", action="store_true", help="apply without asking")
    rem.add_argument("--out", metavar="PLAN", help="save the plan (with each user's version) for roster apply; "
                     "writes nothing to the roster")
    add_guard_flags(rem, ("max_deactivations", "max_deletions", "max_share"))


def add_change_parsers(sub: Any, api_flags: Any) -> None:
    ch = sub.add_parser("changes", help="list the imports, removals and undos applied (the change journal)",
                        description="Each import, removal and undo applied is recorded as one change, newest "
                                    "first; with a number, that change's writes.")
    api_flags(ch)
    ch.add_argument("change", nargs="?", type=int, metavar="N", help="show the writes of change N")
    ch.add_argument("--open", action="store_true", help="only the changes left open (interrupted applies)")
    ch.add_argument("--user", metavar="ID", help="only the changes that wrote the user with this id")
    ch.add_argument("--json", action="store_true", help="print JSON")
    ap = sub.add_parser("apply", help="apply a plan saved by import --out, remove --out or undo --out",
                        description="Apply exactly the saved plan: a user changed since it was made is a "
                                    "conflict, never overwritten. A plan made against another service is "
                                    "refused.")
    api_flags(ap)
    ap.add_argument("plan", metavar="PLAN", help="the plan file (JSON)")
    ap.add_argument("--yes", action="store_true", help="apply without asking")
    re = sub.add_parser("resume", help="write what an interrupted change did not",
                        description="Apply the rest of a change left open (or stopped): its saved plan less "
                                    "the users already written, each only if unchanged since.")
    api_flags(re)
    re.add_argument("change", type=int, metavar="N", help="the change (roster changes --open lists them)")
    re.add_argument("--yes", action="store_true", help="resume without asking")
    un = sub.add_parser("undo", help="take back a change: each user it wrote as before it",
                        description="Preview (and with --apply, apply) the inverse of change N: users it "
                                    "created are deleted (deactivated if they have training assignments), "
                                    "fields it changed go back, deactivations and reactivations are reversed. "
                                    "A user changed since is a conflict, left as is. Undoing an undo redoes.")
    api_flags(un)
    un.add_argument("change", type=int, metavar="N", help="the change to undo (roster changes lists them)")
    un.add_argument("--apply", action="store_true", help="write the undo (asks first unless --yes)")
    un.add_argument("--yes", action="store_true", help="apply without asking")
    un.add_argument("--out", metavar="FILE", help="save the undo as a plan for roster apply, write nothing")
