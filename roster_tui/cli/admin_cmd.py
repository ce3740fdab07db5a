"""Commands that work on the service's database directly: ``seed``, ``token``, ``db init``, ``db upgrade``."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roster_tui.core.access import ACCOUNT_ADMIN_ACCESS, role_problem
from roster_tui.core.wording import one_line

DB_HELP = "SQLite file or database URL (default: roster.db in the user data dir)"


def add_admin_parsers(sub: Any, create_flag: Callable[[argparse.ArgumentParser], None]) -> None:
    """``seed``, ``token`` and ``db``; ``create_flag`` adds ``--create`` to the parsers that open a database."""
    seed = sub.add_parser("seed", help="write a realistic demo roster straight to storage")
    seed.add_argument("--users", type=int, required=True, metavar="N", help="how many users to write")
    seed.add_argument("--seed", type=int, default=1, metavar="S",
                      help="random seed: the same seed writes the same roster (default 1)")
    seed.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=DB_HELP)
    create_flag(seed)  # accepted; seeding asks for a new roster anyway

    token = sub.add_parser("token", help="named API tokens for `roster serve` (stored hashed)")
    actions = token.add_subparsers(dest="token_command", required=True)
    create = actions.add_parser("create", help="create a token; it is shown once")
    create.add_argument("name", help="the token's name (what list and revoke call it)")
    create.add_argument("-o", "--output", metavar="FILE", help="write the token to FILE (mode 0600) "
                        "instead of printing it")
    create.add_argument("--role", default=ACCOUNT_ADMIN_ACCESS, metavar="ROLE",
                        help="viewer (reads only), editor (changes users, not admin roles) or account-admin "
                        "(everything; the default)")
    listing = actions.add_parser("list", help="names, roles, creation and revocation times (never the tokens)")
    revoke = actions.add_parser("revoke", help="revoke a token (within 5 s on running services)")
    revoke.add_argument("name", help="the name the token was created with")
    for parser in (token, create, listing, revoke):
        parser.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=DB_HELP)
        create_flag(parser)

    db = sub.add_parser("db", help="database maintenance")
    db_actions = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_actions.add_parser("upgrade", help="apply pending schema migrations")
    upgrade.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=DB_HELP)
    create_flag(upgrade)
    init = db_actions.add_parser("init", help="create a roster database with its schema (a SQLite file, or the "
                                 "schema in an empty PostgreSQL database)")
    init.add_argument("path", nargs="?", metavar="PATH|URL", help="default: --db, else the default location")
    init.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=DB_HELP)


def cmd_seed(args: argparse.Namespace, db: str) -> int:
    from roster_tui.server.seed import generate
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(db)
    started = time.perf_counter()
    try:
        written = storage.bulk_load(generate(args.users, args.seed))
    except ValueError:
        print(f"roster seed: {db} already holds users of seed {args.seed}; use another --seed or --db",
              file=sys.stderr)
        return 2
    finally:
        storage.close()
    print(f"seeded {written} users into {db} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


#: Names the service gives its own tokens: a named token cannot take them.
RESERVED_NAMES = ("local", "env", "token-file")
_TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def token_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a token (None when it can): the audit trail shows it as who made a change."""
    if name in RESERVED_NAMES or name.startswith("embedded:"):
        return f"{name!r} is a name the service gives its own tokens; choose another"
    if not _TOKEN_NAME.fullmatch(name):
        return ("a token name is 1 to 64 letters, digits and . _ @ - (starting with a letter or digit), "
                f"not {one_line(name)!r}")
    return None


def hand_out_token(token: str, named: str, output: str | None) -> None:
    """A new token, given out once: written to ``output`` (mode 0600), else printed; what was done on stderr."""
    from roster_tui.files import write_secret_file  # lazy: as the commands that make tokens

    if output:
        write_secret_file(Path(output), token)
        print(f"token {named} written to {output} (mode 0600)", file=sys.stderr)
    else:
        print(token)
        print(f"token {named} created; it is not shown again", file=sys.stderr)


def cmd_token(args: argparse.Namespace, db: str) -> int:
    from roster_tui.server.auth import new_token, token_hash
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(db)
    try:
        if args.token_command == "create":
            problem = token_name_problem(args.name) or role_problem(args.role)
            if problem:
                print(f"roster token: {problem}", file=sys.stderr)
                return 2
            token = new_token()
            try:
                storage.add_token(args.name, token_hash(token).hex(), args.role)
            except ValueError as exc:
                print(f"roster token: {exc}", file=sys.stderr)
                return 2
            hand_out_token(token, repr(args.name), args.output)
            return 0
        if args.token_command == "revoke":
            if storage.revoke_token(args.name):
                print(f"token {args.name!r} revoked", file=sys.stderr)
                return 0
            print(f"roster token: no live token named {args.name!r}", file=sys.stderr)
            return 2
        for t in storage.tokens():
            state = f"revoked {t['revoked']}" if t["revoked"] else "live"
            whose = f"person {one_line(t['person'])}, " if t["person"] else ""
            print(f"{one_line(t['name'])}\t{whose}{t['role']}\tcreated {t['created']}\t{state}")
        return 0
    finally:
        storage.close()


def _schema_version(db: str) -> int:
    """The schema version of an existing database, without changing it (0: none, or no roster schema)."""
    from sqlalchemy import create_engine

    from roster_tui.config import sqlite_file
    from roster_tui.server.storage import migrations
    from roster_tui.server.storage.sql import database_url

    path = sqlite_file(db)
    if path is not None and not path.exists():
        return 0
    engine = create_engine(database_url(db))
    try:
        with engine.connect() as conn:
            return migrations.current_version(conn)
    finally:
        engine.dispose()


def cmd_db(args: argparse.Namespace, db: str) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from roster_tui.server.storage import migrations
    from roster_tui.server.storage.sql import SqlStorage

    if args.db_command == "init":
        db = args.path or db
        try:
            existing = _schema_version(db)
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            print(f"roster db init: {db} cannot be used as a roster database: {reason}", file=sys.stderr)
            return 2
        if existing:
            print(f"{db}: a roster database exists already (schema version {existing}, latest "
                  f"{migrations.LATEST}); `roster db upgrade` applies pending migrations", file=sys.stderr)
            return 0
    storage = SqlStorage(db)  # opening creates the schema, or applies what is pending
    try:
        with storage.read_engine.connect() as conn:
            version = migrations.current_version(conn)
    finally:
        storage.close()
    done = "created a roster database at " if args.db_command == "init" else ""
    print(f"{done}{db}: schema version {version} (latest {migrations.LATEST})", file=sys.stderr)
    return 0
