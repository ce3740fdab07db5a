"""A SQLite database file: created private (0600, in directories made 0700), and checked before it is used.

The check reads the header, then runs ``PRAGMA quick_check``, which reads every page: on a file of up to
:data:`QUICK_CHECK_LIMIT` bytes (about 100,000 users; 0.3 s warm, 2 s from a cold disk) the whole file, above it
the tables other than the users and their audit trail (a damaged page among those is answered as a damaged
file when it is read). ``benchmarks/limits.py`` measures it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from roster_tui.server.storage.errors import DatabaseDamaged

QUICK_CHECK_LIMIT = 256 * 1024 * 1024
_MAGIC = b"SQLite format 3\x00"
#: Checked whatever the size of the file: all but ``users`` and ``audit``, which hold nearly all of it.
_SMALL_TABLES = ("schema_version", "api_tokens", "groups", "group_members")


def damaged(path: Path, why: str) -> DatabaseDamaged:
    return DatabaseDamaged(f"{path} is damaged ({why}): it cannot be used as a roster database; "
                           "restore it from a backup")


def prepare(path: Path) -> None:
    """Create the database file (0600) and the directories missing above it (0700), or check the header of the
    file that is there."""
    if path.exists():
        with open(path, "rb") as f:
            head = f.read(len(_MAGIC))
        if head and head != _MAGIC:
            raise damaged(path, "it is not a SQLite file, or its header was overwritten")
        return
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    with contextlib.suppress(FileExistsError):  # SQLite gives its -wal and -shm files the same mode
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def check(engine: Engine, path: Path) -> None:
    """Refuse a damaged file (:class:`DatabaseDamaged`, naming it) before anything reads or writes it."""
    try:
        with engine.connect() as conn:
            if path.stat().st_size <= QUICK_CHECK_LIMIT:
                rows = conn.exec_driver_sql("PRAGMA quick_check").all()
            else:
                tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
                rows = [r for t in _SMALL_TABLES if t in tables
                        for r in conn.exec_driver_sql(f"PRAGMA quick_check({t})").all()]
    except DatabaseDamaged as exc:
        raise damaged(path, "SQLite finds it malformed") from exc
    except DBAPIError as exc:  # raised while connecting, before the storage's error translation
        raise damaged(path, " ".join(str(exc.orig).split())[:160]) from exc
    problems = [" ".join(str(r[0]).split()) for r in rows if r[0] != "ok"]
    if problems:
        raise damaged(path, f"PRAGMA quick_check: {problems[0][:160]}")
