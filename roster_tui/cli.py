"""The ``roster`` command: the console by default; ``serve``, ``import``, ``export``, ``template``, ``remove``,
``seed``, ``token``, ``db``."""

from __future__ import annotations

import argparse
import sys

from roster_tui.config import ApiSettings, ConfigError, check_database, resolve_api


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
    parser = argparse.ArgumentParser(prog="roster", description="Keep the training roster in step with HR.")
    _api_flags(parser)
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the roster API (SCIM 2.0) over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help="SQLite file or database URL")
    create_flag(serve)
    serve.add_argument("--token-file", metavar="FILE", default=argparse.SUPPRESS)
    serve.add_argument("--access-log", action="store_true", help="log every request (never the token)")

    from roster_tui.cli_admin import add_admin_parsers
    from roster_tui.cli_import import add_import_parsers
    from roster_tui.cli_remove import add_remove_parser

    add_admin_parsers(sub, create_flag)
    add_import_parsers(sub, _sub_api_flags)
    add_remove_parser(sub, _sub_api_flags)
    return parser


def _checked(api: ApiSettings, create: bool) -> ApiSettings:
    """``api``, once its database is known to exist when it is the embedded service's."""
    if api.url is None:
        check_database(api.db, create)
    return api


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = resolve_api(getattr(args, "api", None), None, args.db)
        if args.command in ("serve", "token") or (args.command == "db" and args.db_command == "upgrade"):
            check_database(settings.db, args.create)
        if args.command == "serve":
            from roster_tui.server.runner import serve

            serve(args.host, args.port, settings.db, args.token_file, args.access_log)
            return 0
        if args.command in ("seed", "token", "db"):
            from roster_tui import cli_admin

            return {"seed": cli_admin.cmd_seed, "token": cli_admin.cmd_token, "db": cli_admin.cmd_db}[
                args.command](args, settings.db)
        if args.command in ("import", "export", "template"):
            from roster_tui import cli_import

            if args.command == "template":
                return cli_import.cmd_template(args)
            api = _checked(resolve_api(args.api, args.token_file, args.db), args.create)
            return (cli_import.cmd_import if args.command == "import" else cli_import.cmd_export)(args, api)
        if args.command == "remove":
            from roster_tui.cli_remove import cmd_remove

            return cmd_remove(args, _checked(resolve_api(args.api, args.token_file, args.db), args.create))
        from roster_tui.tui.app import run_app

        return run_app(_checked(resolve_api(args.api, args.token_file, args.db), args.create))
    except ConfigError as exc:
        print(f"roster: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
