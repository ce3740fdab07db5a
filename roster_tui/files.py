"""Files roster-tui reads and writes for the admin: exports and errors files (whole or not at all), secrets
(0600), saved mappings and the recent imports. Everything that touches the user's dirs is here."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.mapping import Mapping, dumps_mapping, loads_mapping
from roster_tui.paths import console_log_file, files_root, mappings_dir, recent_imports_file, removed_users_file

RECENT_MAX = 10


def confined(path: str | Path) -> Path:
    """The file the admin named (``~`` expanded). In a session confined to a folder (:func:`files_root`, an SSH
    session's), a relative path is taken in that folder, and a path outside it (``..``, links included) is a
    PermissionError saying so."""
    root = files_root()
    named = Path(path).expanduser()
    if root is None:
        return named
    inside = root.resolve()
    found = (inside / named).resolve()
    if not found.is_relative_to(inside):
        raise PermissionError(f"{path} is outside {root}, the one folder this session reads and writes files in")
    return found


@contextmanager
def replaced_whole(path: str | Path, *, encoding: str = "utf-8", newline: str = "",
                   errors: str = "strict") -> Iterator[TextIO]:
    """A text file written into a temporary file beside ``path`` (mode 0600) and renamed over it on success.

    If writing fails (the service dies mid-export, the disk fills), ``path`` keeps what it held before.
    """
    target = Path(path)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline, errors=errors) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# -- secrets -----------------------------------------------------------------------------------------


def read_secret_file(path: Path) -> str:
    """Read a token from a file that only its owner can read (0600); refuse looser files."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(f"{path} is readable by others (mode {oct(mode & 0o777)}); run: chmod 600 {path}")
    token = path.read_text().strip()
    if not token:
        raise ValueError(f"{path} is empty")
    return token


def write_secret_file(path: Path, text: str) -> None:
    """Create or overwrite a file with 0600 permissions from the start (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)


# -- saved mappings ----------------------------------------------------------------------------------


def mapping_path(name_or_path: str) -> Path:
    """A saved mapping's file: the path when it exists or looks like one, else ``mappings/NAME.toml``."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".toml" or "/" in name_or_path or (files_root() is None and path.exists()):
        return confined(path)
    return mappings_dir() / f"{name_or_path}.toml"


def load_mapping(name_or_path: str) -> Mapping:
    path = mapping_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportFileError(f"cannot read the mapping: {exc.strerror or exc}", path=str(path),
                              hint=f"Saved mappings live in {mappings_dir()}") from None
    return loads_mapping(text, str(path))


def save_mapping(mapping: Mapping, name_or_path: str) -> Path:
    """Write a mapping as TOML (a bare name goes to the user config dir); returns its path."""
    path = mapping_path(name_or_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_mapping(mapping), encoding="utf-8")
    return path


def saved_mapping_names() -> list[str]:
    """The names of the mappings saved in the user config dir."""
    folder = mappings_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


# -- recent imports ----------------------------------------------------------------------------------


def load_recent() -> list[str]:
    """The files imported lately, newest first (missing or unreadable: none)."""
    try:
        data = json.loads(recent_imports_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = [str(p) for p in data.get("files", []) if isinstance(p, str)] if isinstance(data, dict) else []
    if files_root() is not None:  # a confined session lists only what it may open
        files = [p for p in files if may_use(p)]
    return files


def may_use(path: str | Path) -> bool:
    """Whether the console may open ``path`` (:func:`confined` takes it)."""
    try:
        confined(path)
    except PermissionError:
        return False
    return True


def remember(path: str) -> None:
    """Put ``path`` (made absolute: ``roster`` may start elsewhere next time) first in the recent files."""
    path = str(Path(path).expanduser().absolute())
    files = [path, *(p for p in load_recent() if p != path)][:RECENT_MAX]
    target = recent_imports_file()
    with contextlib.suppress(OSError):  # remembering is a convenience, never a reason to fail
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"files": files}, indent=1), encoding="utf-8")


# -- users deleted from here -------------------------------------------------------------------------


def removed_keys(api: str) -> dict[str, str]:
    """The keys of users deleted from ``api`` through this machine, with the day each was (missing: none)."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError), removed_users_file().open(encoding="utf-8") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:  # a line cut short by a crash: the others still count
                continue
            if isinstance(entry, dict) and entry.get("api") == api and isinstance(entry.get("key"), str):
                found[entry["key"]] = str(entry.get("at", ""))
    return found


def record_removed(api: str, keys: Iterable[str]) -> None:
    """Remember that the users found by ``keys`` were deleted from ``api`` (0600: the keys are emails)."""
    day = datetime.now(UTC).date().isoformat()
    text = "".join(json.dumps({"api": api, "key": key, "at": day}) + "\n" for key in keys)
    if not text:
        return
    target = removed_users_file()
    with contextlib.suppress(OSError):  # remembering is a convenience, never a reason to fail
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(text)


# -- the console's log ---------------------------------------------------------------------------------


def console_log() -> logging.Handler:
    """A handler writing to ``console.log`` in the user data dir (0600: messages may quote user data), kept
    to a few hundred kilobytes."""
    path = console_log_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = RotatingFileHandler(path, maxBytes=512 * 1024, backupCount=1, encoding="utf-8", delay=False)
    os.chmod(path, 0o600)
    return handler
