"""Where roster-tui keeps its files: the user config and data dirs (``ROSTER_CONFIG_DIR``/``ROSTER_DATA_DIR``
replace them)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP = "roster-tui"


def config_dir() -> Path:
    return Path(os.environ.get("ROSTER_CONFIG_DIR") or user_config_path(APP))


def data_dir() -> Path:
    return Path(os.environ.get("ROSTER_DATA_DIR") or user_data_path(APP))


def files_root() -> Path | None:
    """The one folder the console may read and write the admin's files in (``ROSTER_FILES_ROOT``, set by
    ``roster ssh`` for its sessions); None: anywhere the user may."""
    root = os.environ.get("ROSTER_FILES_ROOT")
    return Path(root) if root else None


def default_db() -> Path:
    return data_dir() / "roster.db"


def default_token_file() -> Path:
    """Where ``roster serve`` on loopback keeps the token it made when none was given."""
    return config_dir() / "serve-token"


def mappings_dir() -> Path:
    return config_dir() / "mappings"


def removed_users_file() -> Path:
    """The keys of users this machine deleted, per roster API (so a re-run says "already removed")."""
    return data_dir() / "removed-users.jsonl"


def recent_imports_file() -> Path:
    return config_dir() / "recent-imports.json"


def console_log_file() -> Path:
    """Where the console logs what went wrong unexpectedly."""
    return data_dir() / "console.log"
