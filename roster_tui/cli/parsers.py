"""The parsers of ``roster import``, ``export``, ``template`` and ``remove``, apart from the commands: parsing the
command line imports none of the import, export and removal code (the console starts without it)."""

from __future__ import annotations

from typing import Any

from roster_tui.core.models import ROSTER_FIELDS


def add_import_parser(sub: Any, api_flags: Any) -> None:
    imp = sub.add_parser("import", help="plan (and with --apply, apply) a CSV import")
    api_flags(imp)
    imp.add_argument("file", metavar="FILE", help="the CSV file (a header row, then one user per row)")
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
