"""The SSH server's host key: an ed25519 key in a 0600 file, created on the first start."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncssh

from roster_tui.files import write_secret_file
from roster_tui.paths import config_dir


def default_host_key() -> Path:
    return config_dir() / "ssh_host_ed25519_key"


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The private key at ``path``, created (ed25519, mode 0600) if there is none; ValueError if it cannot be used
    (readable by others, not a private key)."""
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-ed25519", comment="roster ssh host key")
        write_secret_file(path, key.export_private_key().decode().rstrip("\n"))
        return key
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"{path} is readable by others (mode {oct(mode & 0o777)}); run: chmod 600 {path}")
    try:
        return asyncssh.read_private_key(path)
    except (asyncssh.KeyImportError, OSError) as exc:
        raise ValueError(f"{path} is not a private key the SSH server can use ({exc})") from None
