"""``roster people``: the people who use the roster, their SSH keys and access roles (stored beside the
named tokens, in the service's database)."""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roster_tui.cli.admin_cmd import DB_HELP, hand_out_token, token_name_problem
from roster_tui.core.access import role_problem
from roster_tui.core.wording import one_line

#: A person's name is a token name that leaves room for the label of each of their tokens (``NAME:LABEL``).
MAX_NAME = 48
ROLE_HELP = ("viewer (reads only), editor (changes users, not admin roles) or account-admin (everything, "
             "admin roles included)")


def add_people_parser(sub: Any, create_flag: Callable[[argparse.ArgumentParser], None]) -> None:
    people = sub.add_parser("people", help="the people who use the roster: SSH keys and access roles")
    actions = people.add_subparsers(dest="people_command", required=True)
    add = actions.add_parser("add", help="add a person with their SSH public key and role")
    add.add_argument("name", help="the person's name, as the audit trail will name their changes")
    add.add_argument("--key", metavar="FILE", action="append", required=True,
                     help="their OpenSSH public key file (ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa, "
                     "e.g. id_ed25519.pub); repeat for more keys")
    add.add_argument("--role", required=True, metavar="ROLE", help=ROLE_HELP)
    listing = actions.add_parser("list", help="names, roles and key fingerprints (never a key or token)")
    listing.add_argument("--removed", action="store_true", help="list the removed people too")
    remove = actions.add_parser("remove", help="remove a person: their tokens stop working at once (within 5 s "
                                "on running services)")
    remove.add_argument("name", help="the person's name")
    role = actions.add_parser("role", help="give a person another role (their tokens follow within 5 s)")
    role.add_argument("name", help="the person's name")
    role.add_argument("role", metavar="ROLE", help=ROLE_HELP)
    token = actions.add_parser("token", help="make an API token that acts as the person (shown once, stored "
                               "hashed; revoked when they are removed)")
    token.add_argument("name", help="the person's name")
    token.add_argument("-o", "--output", metavar="FILE", help="write the token to FILE (mode 0600) instead of "
                       "printing it")
    for parser in (people, add, listing, remove, role, token):
        parser.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help=DB_HELP)
        create_flag(parser)


def _fail(message: str) -> int:
    print(f"roster people: {message}", file=sys.stderr)
    return 2


def _read_keys(files: list[str]) -> list[Any] | str:
    """The public keys of the files, or why they cannot be used (a line never quoting a file's content)."""
    from roster_tui.core.ssh_keys import KeyFileError, read_public_keys

    keys = []
    for name in files:
        path = Path(name)
        try:
            if path.stat().st_size > 64 * 1024:
                return f"{name} is too large to be a public key file"
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return f"--key {name}: no such file"
        except UnicodeDecodeError:
            return f"--key {name}: not a text file, so not an OpenSSH public key"
        except OSError as exc:
            return f"--key {name}: {exc.strerror or exc}"
        try:
            keys += read_public_keys(text, name)
        except KeyFileError as exc:
            return str(exc)
    return keys


def _name_problem(name: str) -> str | None:
    if len(name) > MAX_NAME:
        return f"a person's name is at most {MAX_NAME} characters"
    return token_name_problem(name)


def cmd_people(args: argparse.Namespace, db: str) -> int:
    command = args.people_command
    if command in ("add", "role"):
        problem = role_problem(args.role)
        if problem:
            return _fail(problem)
    if command == "add":
        problem = _name_problem(args.name)
        if problem:
            return _fail(problem)
        keys = _read_keys(args.key)
        if isinstance(keys, str):
            return _fail(keys)
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(db)
    try:
        if command == "add":
            try:
                storage.add_person(args.name, args.role, keys)
            except ValueError as exc:
                return _fail(str(exc))
            print(f"{args.name} added as {args.role} with {', '.join(k.fingerprint for k in keys)}",
                  file=sys.stderr)
            return 0
        if command == "list":
            return _list(storage.people(removed=args.removed))
        if command == "role":
            if not storage.set_person_role(args.name, args.role):
                return _fail(f"no person named {one_line(args.name)!r} (roster people list)")
            print(f"{args.name} is now {args.role}", file=sys.stderr)
            return 0
        if command == "remove":
            revoked = storage.remove_person(args.name)
            if revoked is None:
                return _fail(f"no person named {one_line(args.name)!r} (roster people list)")
            print(f"{args.name} removed; {revoked} token(s) revoked", file=sys.stderr)
            return 0
        return _token(storage, args)
    finally:
        storage.close()


def _list(people: list[dict[str, Any]]) -> int:
    for person in people:
        keys = " ".join(f"{k['type']}:{k['fingerprint']}" for k in person["keys"]) or "-"
        state = f"\tremoved {person['removed']}" if person["removed"] else ""
        print(f"{one_line(person['name'])}\t{person['role']}\t{keys}{state}")
    return 0


def _token(storage: Any, args: argparse.Namespace) -> int:
    from roster_tui.server.auth import new_token, token_hash

    token = new_token()
    try:
        name = storage.add_person_token(args.name, token_hash(token).hex(), f"cli-{secrets.token_hex(3)}")
    except ValueError as exc:
        return _fail(str(exc))
    hand_out_token(token, f"{name!r} of {args.name}", args.output)
    return 0


