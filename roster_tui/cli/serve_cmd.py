"""``roster serve``: choose the tokens the service accepts, open the storage, run it."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from roster_tui.cli.parsers import port_number
from roster_tui.config import ConfigError, check_token
from roster_tui.core.wording import plural
from roster_tui.files import read_secret_file, write_secret_file
from roster_tui.paths import default_token_file
from roster_tui.server.auth import TokenRegistry, new_token


def add_serve_parser(sub: argparse._SubParsersAction, create_flag: object) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="run the roster API (SCIM 2.0) over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another "
                       "address needs a token: ROSTER_API_TOKEN or --token-file)")
    serve.add_argument("--port", type=port_number, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help="SQLite file or database URL")
    create_flag(serve)  # type: ignore[operator]
    serve.add_argument("--token-file", metavar="FILE", default=argparse.SUPPRESS,
                       help="file (mode 0600) holding the token clients must send")
    serve.add_argument("--access-log", action="store_true", help="log every request (never the token)")


#: The shortest token ``roster serve`` takes on a network (non-loopback) address.
MIN_TOKEN = 32


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_tokens(host: str, token_file: str | None, named: int = 0) -> tuple[TokenRegistry, str]:
    """The accepted tokens and a sentence saying where the token comes from (never the token itself).

    ``named`` is how many live named tokens the database holds (``roster token create``).
    """
    tokens = TokenRegistry()
    given = None
    if token_file:
        try:
            given = ("token-file", read_secret_file(Path(token_file)), f"token from {token_file}")
        except FileNotFoundError:
            raise ConfigError(f"--token-file {token_file}: no such file") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--token-file {token_file}: {exc}") from None
    elif os.environ.get("ROSTER_API_TOKEN"):
        given = ("env", os.environ["ROSTER_API_TOKEN"], "token from ROSTER_API_TOKEN")
    if given is not None:
        name, token, where = given
        check_token(token, where.removeprefix("token from "))
        if not is_loopback(host) and len(token) < MIN_TOKEN:
            raise ConfigError(f"refusing to listen on {host} with a token of {len(token)} characters: on a "
                              f"network address the token needs at least {MIN_TOKEN} (roster token create "
                              "makes one)")
        tokens.add(name, token)
        return tokens, where
    if named:
        return tokens, f"{plural(named, 'named token')} from the database"
    if not is_loopback(host):
        raise ConfigError(f"refusing to listen on {host} without a token: set ROSTER_API_TOKEN or pass "
                          "--token-file FILE (a file with mode 0600)")
    path = default_token_file()
    if path.exists():
        token = read_secret_file(path)
    else:
        token = new_token()
        write_secret_file(path, token)
    tokens.add("local", token)
    return tokens, f"token in {path} (export ROSTER_API_TOKEN=\"$(cat {path})\")"


def cmd_serve(args: argparse.Namespace, db: str) -> int:
    from roster_tui.server.runner import run
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(db)
    try:
        tokens, where = serve_tokens(args.host, getattr(args, "token_file", None),
                                     sum(1 for t in storage.tokens() if not t["revoked"]))
        shown = f"[{args.host}]" if ":" in args.host else args.host
        print(f"roster API on http://{shown}:{args.port}/scim/v2 (storage: {db}; {where})", file=sys.stderr,
              flush=True)
        run(storage, tokens, args.host, args.port, access_log=args.access_log)
    finally:
        storage.close()
    return 0
