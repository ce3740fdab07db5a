"""``roster ssh``: the console and the commands over SSH, each person with their key and role."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roster_tui.cli.parsers import port_number


def add_ssh_parser(sub: Any, create_flag: Callable[[argparse.ArgumentParser], None]) -> None:
    ssh = sub.add_parser(
        "ssh", help="serve the console and export/import/changes over SSH (keys of roster people only)",
        description="An SSH server that is the roster: a person added with `roster people add NAME --key FILE "
                    "--role ROLE` logs in with that key (no password, no shell) and gets the console in a terminal "
                    "of their own, or runs `export`, `import [--json] [--apply] < FILE` or `changes`. Each acts "
                    "with a token of their own, so the audit trail names them. The roster API runs in-process on "
                    "a loopback port. Limits: the [ssh] table of config.toml (max_sessions_per_person, "
                    "max_sessions, idle_timeout, auth_delay).")
    ssh.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for "
                     "every address)")
    ssh.add_argument("--port", type=port_number, default=2222, help="port to listen on (default 2222)")
    ssh.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS, help="SQLite file or database URL "
                     "(default: roster.db in the user data dir)")
    create_flag(ssh)
    ssh.add_argument("--host-key", metavar="FILE", help="the server's private host key (default: "
                     "ssh_host_ed25519_key in the user config dir, created with mode 0600 on the first start)")
    ssh.add_argument("--files", metavar="DIR", help="the one folder the consoles read and write files in (the "
                     "import wizard's file, saved plans and errors; default: ssh-files in the user data dir, created "
                     "0700): a session never reaches the server's other files")
    ssh.add_argument("--api-port", type=port_number, default=0, metavar="PORT", help="loopback port of the in-process "
                     "roster API the sessions use (default: the last start's, when free; saved plans name it)")


def cmd_ssh(args: argparse.Namespace, db: str) -> int:
    from roster_tui.cli.drop_text import drop_text
    from roster_tui.config import drop_rules, ssh_limits
    from roster_tui.paths import data_dir
    from roster_tui.ssh.host_key import default_host_key
    from roster_tui.ssh.service import run_ssh

    limits = ssh_limits()
    drop_rules()  # a bad [[drop]] table is said now (ConfigError: one line), not once the server is up
    try:
        files = (Path(args.files).expanduser() if args.files else data_dir() / "ssh-files").absolute()
        return run_ssh(db, args.host, args.port, Path(args.host_key) if args.host_key else default_host_key(),
                       limits, files, api_port=args.api_port, drop_text=drop_text())
    except ValueError as exc:  # the host key cannot be used
        print(f"roster: {exc}", file=sys.stderr)
        return 2
