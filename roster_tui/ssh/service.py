"""``roster ssh`` running: the roster API in-process on a loopback port (a thread of its own), the SSH server in
front of it, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roster_tui.config import SshLimits
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.runner import build_server, default_public_url
from roster_tui.server.storage.sql import SqlStorage
from roster_tui.ssh.drop_folder import DropFolder
from roster_tui.ssh.host_key import load_host_key
from roster_tui.ssh.server import RosterSsh
from roster_tui.sync.drop import DropText

#: Beside the host key: the API's port at the last start, taken again (the plans waiting in the drop folder name
#: the API's URL, port and all).
API_PORT_FILE = "ssh-api-port"


def api_socket(api_port: int, remembered: Path) -> socket.socket:
    """The API's loopback socket, bound: on ``api_port``; when 0, on the port of the last start (in
    ``remembered``) if it is free, else on any free port, which is remembered."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        last = int(remembered.read_text(encoding="ascii").strip()) if not api_port else 0
    except (OSError, ValueError):
        last = 0
    last = last if 1024 <= last <= 65535 else 0  # a damaged file: any free port
    try:
        sock.bind(("127.0.0.1", api_port or last))
    except OSError:
        if api_port or not last:
            sock.close()
            raise
        print(f"roster: the API's port of the last start, {last}, is taken: plans waiting in the drop folder name "
              "it (start with --api-port to keep one)", file=sys.stderr)
        sock.bind(("127.0.0.1", 0))
    if not api_port and sock.getsockname()[1] != last:
        remembered.write_text(f"{sock.getsockname()[1]}\n", encoding="ascii")
    return sock


def run_ssh(db: str, host: str, port: int, host_key: Path, limits: SshLimits, files: Path, *, api_port: int = 0,
            drop_text: DropText | None = None) -> int:
    """Serve until stopped; 0, or 2 (with one line on stderr) when it cannot start. ``files``: the one folder the
    consoles read and write files in (created 0700); with ``drop_text``, SFTP serves the HR drop folder in it
    (``files/drop``, so that a console opens its plans), else SFTP is refused."""
    key = load_host_key(host_key)
    files.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        bound = api_socket(api_port, host_key.with_name(API_PORT_FILE))
    except OSError as exc:
        print(f"roster: cannot listen on 127.0.0.1:{api_port} for the roster API: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    storage = SqlStorage(db)
    try:
        with bound as sock:
            api_port = sock.getsockname()[1]
            api = build_server(storage, TokenRegistry(), "127.0.0.1", api_port)
            thread = threading.Thread(target=api.run, kwargs={"sockets": [sock]}, name="roster-api", daemon=True)
            thread.start()
            deadline = time.monotonic() + 30
            while not api.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            if not api.started:
                print("roster: the roster API did not start", file=sys.stderr)
                return 2
            api_url = default_public_url("127.0.0.1", api_port) + "/scim/v2"
            try:
                return asyncio.run(_serve(RosterSsh(storage, api_url, limits, files=files), host, port, key,
                                          drop_text))
            finally:
                api.should_exit = True
                thread.join(10)
    finally:
        storage.close()


async def _serve(server: RosterSsh, host: str, port: int, key: Any, drop_text: DropText | None) -> int:
    folder: DropFolder | None = None
    sftp_factory: Callable[..., Any] | None = None
    if drop_text is not None:
        folder = DropFolder.from_config(server.files / "drop", server.api_url, server.token_of, drop_text)
        folder.idle_timeout = server.limits.idle_timeout  # an SFTP session idle as long as a console is closed
        sftp_factory = folder.sftp_factory(lambda conn: conn.get_extra_info("roster_person"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        bound = await server.start(host, port, key, sftp_factory)
    except OSError as exc:
        print(f"roster: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    shown = f"[{host}]" if ":" in host else host
    print(f"roster ssh on {shown}:{bound} (host key {key.get_fingerprint('sha256')}; people: roster people "
          f"list; the consoles' files in {server.files}; the API for its sessions on {server.api_url})",
          file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        if folder is not None:  # a file being planned is planned whole, with its person's token still valid
            await folder.settle()
        await server.close()
    return 0
