"""The ``roster`` command line: the console by default; ``serve``, ``import``, ``export``, ``template``,
``remove``, ``changes``, ``apply``, ``resume``, ``undo``, ``seed``, ``token``, ``people``, ``db``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from roster_tui.cli.lean import defer_httpx_cli
from roster_tui.heap import collection_paused

with collection_paused():  # the start's imports: what they make stays, no collection need walk it
    from roster_tui.config import ApiSettings, ConfigError, check_database, resolve_api
    from roster_tui.server.storage.errors import DatabaseFault

if TYPE_CHECKING:
    from roster_tui.scim.early import EarlyRequests
    from roster_tui.tui.first_frame import FirstFrame

defer_httpx_cli()  # before the commands' modules import httpx


def _api_flags(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--api", metavar="URL", default=default, help="SCIM base URL of the roster API "
                        "(or ROSTER_API_URL); without it, the embedded service on --db")
    parser.add_argument("--token-file", metavar="FILE", default=default, help="file (mode 0600) holding the "
                        "API token (or ROSTER_API_TOKEN)")
    parser.add_argument("--db", metavar="PATH|URL", default=default, help="database of the embedded service "
                        "(default: roster.db in the user data dir)")
    create_flag(parser, False if default is None else default)


def create_flag(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """``--create``: a SQLite database that does not exist yet may be created (else it is refused)."""
    parser.add_argument("--create", action="store_true", default=default, help="create the SQLite database "
                        "if it does not exist (otherwise a missing one is refused)")


def _sub_api_flags(parser: argparse.ArgumentParser) -> None:
    """The API flags after a subcommand too; they do not reset what was given before it."""
    _api_flags(parser, argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    from roster_tui.cli.admin_cmd import add_admin_parsers
    from roster_tui.cli.parsers import add_change_parsers, add_export_parsers, add_import_parser, add_remove_parser
    from roster_tui.cli.people_cmd import add_people_parser
    from roster_tui.cli.serve_cmd import add_serve_parser
    from roster_tui.cli.ssh_cmd import add_ssh_parser

    parser = argparse.ArgumentParser(prog="roster", description="Keep the training roster in step with HR. "
                                     "With no command: the console.")
    _api_flags(parser)
    sub = parser.add_subparsers(dest="command")
    add_serve_parser(sub, create_flag)
    add_admin_parsers(sub, create_flag)
    add_people_parser(sub, create_flag)
    add_ssh_parser(sub, create_flag)
    add_import_parser(sub, _sub_api_flags)
    add_export_parsers(sub, _sub_api_flags)
    add_remove_parser(sub, _sub_api_flags)
    add_change_parsers(sub, _sub_api_flags)
    return parser


def _checked(api: ApiSettings, create: bool) -> ApiSettings:
    """``api``, once its database is known to exist when it is the embedded service's."""
    if api.url is None:
        check_database(api.db, create)
    return api


def _run(args: argparse.Namespace) -> int:
    # Each command imports what it needs when it runs: the console alone loads Textual, the service alone
    # FastAPI and SQLAlchemy, so no command pays the start-up time of the others.
    settings = resolve_api(getattr(args, "api", None), None, args.db)
    if args.command in ("serve", "token", "people", "ssh") or (args.command == "db" and args.db_command == "upgrade"):
        check_database(settings.db, args.create)
    if args.command == "serve":
        from roster_tui.cli.serve_cmd import cmd_serve

        return cmd_serve(args, settings.db)
    if args.command == "ssh":
        from roster_tui.cli.ssh_cmd import cmd_ssh

        return cmd_ssh(args, settings.db)
    if args.command == "people":
        from roster_tui.cli.people_cmd import cmd_people

        return cmd_people(args, settings.db)
    if args.command in ("seed", "token", "db"):
        from roster_tui.cli import admin_cmd

        return {"seed": admin_cmd.cmd_seed, "token": admin_cmd.cmd_token, "db": admin_cmd.cmd_db}[
            args.command](args, settings.db)
    if args.command == "template":
        from roster_tui.cli.export_cmd import cmd_template

        return cmd_template(args)
    api = _checked(resolve_api(args.api, args.token_file, args.db), args.create)
    if args.command == "export":
        from roster_tui.cli.export_cmd import cmd_export

        return cmd_export(args, api)
    if args.command == "import":
        from roster_tui.cli.import_cmd import cmd_import

        return cmd_import(args, api)
    if args.command == "remove":
        from roster_tui.cli.remove_cmd import cmd_remove

        return cmd_remove(args, api)
    if args.command in ("changes", "apply", "resume", "undo"):
        from roster_tui.cli.changes_cmd import cmd_changes

        return cmd_changes(args, api)
    with collection_paused():  # Textual and the screens, imported (roster_tui.heap)
        early, first_frame = _send_first_requests(api)
        try:
            from roster_tui.cli.console_cmd import run_console
        except BaseException:  # ctrl+c while importing: the painted rows go, the terminal is given back
            if first_frame is not None:
                first_frame.restore()
            raise

    return run_console(api, early, first_frame)


def _send_first_requests(api: ApiSettings) -> tuple[EarlyRequests | None, FirstFrame | None]:
    """The console's first requests, sent now: their answers come while Textual and the screens are imported,
    and the first page's rows are painted as soon as it arrives (:mod:`roster_tui.tui.first_frame`)."""
    if api.url is None:  # the embedded service answers in-process, once it is started
        return None, None
    from roster_tui.scim.early import EarlyRequests  # lazy: the console alone sends early
    from roster_tui.tui.first_frame import FirstFrame  # lazy: as above (imported here, not in the early thread)
    from roster_tui.tui.first_requests import first_requests  # lazy: as above

    frame = FirstFrame.for_terminal(api.source)
    early = EarlyRequests.start(api.url, api.token, first_requests(), frame.paint if frame else None)
    return early, frame if early is not None else None


def main(argv: list[str] | None = None) -> int:
    with collection_paused():  # the parser's modules, imported (roster_tui.heap)
        args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"roster: {exc}", file=sys.stderr)
        return 2
    except DatabaseFault as exc:  # the database cannot be used (damaged, read-only, full, unreachable)
        print(f"roster: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`roster export | head -1`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
