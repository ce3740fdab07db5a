"""One ``roster ssh`` server for the SSH tests (a real process on loopback, a seeded SQLite roster), its people and
their keys, and a terminal (pyte) to read what a session shows."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pyte
import pytest

from roster_tui.core.ssh_keys import parse_key_line
from roster_tui.server.seed import generate
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import free_port

USERS = 120
#: Limits the tests can reach: a refused key waits little; one person may hold 3 sessions.
CONFIG = ("[ssh]\nauth_delay = 0.2\nmax_sessions_per_person = 3\nmax_sessions = 20\nidle_timeout = 600\n"
          '[[drop]]\npattern = "hr-*.csv"\napply = "when-clean"\n')


@dataclass
class SshServer:
    port: int
    db: str
    api_url: str
    process: subprocess.Popen[bytes]
    keys: dict[str, asyncssh.SSHKey]  # person -> private key
    key_files: dict[str, Path]
    host_key: Path
    files: Path  # the consoles' one folder for files

    async def connect(self, person: str | None = None, **options: object) -> asyncssh.SSHClientConnection:
        """A client connection as ``person`` (their key), or with ``options`` alone (e.g. a password)."""
        keys = [self.keys[person]] if person else None
        return await asyncssh.connect("127.0.0.1", self.port, username="roster", client_keys=keys, known_hosts=None,
                                      agent_path=None, **options)  # type: ignore[arg-type]

    async def run(self, person: str, command: str, stdin: bytes | None = None) -> asyncssh.SSHCompletedProcess:
        async with await self.connect(person) as conn:
            return await conn.run(command, input=stdin, encoding=None, check=False)

    def children(self) -> set[int]:
        """The pids of the server's child processes (its sessions')."""
        found = set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.add(int(entry))
        return found


@pytest.fixture(scope="package")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    server = launch(tmp_path_factory.mktemp("ssh"))
    yield server
    stop(server)


def launch(tmp: Path, config: str = CONFIG) -> SshServer:
    """``roster ssh`` on a free port over a seeded roster in ``tmp``, with the people dana (editor), vic (viewer)
    and ann (account-admin)."""
    db = str(tmp / "roster.db")
    storage = SqlStorage(db)
    storage.bulk_load(generate(USERS, 11))
    keys, files = {}, {}
    for name, role in (("dana", "editor"), ("vic", "viewer"), ("ann", "account-admin")):
        key = asyncssh.generate_private_key("ssh-ed25519", comment=name)
        keys[name] = key
        files[name] = tmp / f"{name}_ed25519"
        key.write_private_key(files[name])
        os.chmod(files[name], 0o600)
        storage.add_person(name, role, [parse_key_line(key.export_public_key().decode())])
    storage.close()
    (tmp / "config").mkdir()
    (tmp / "config" / "config.toml").write_text(config)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "ROSTER_API_TOKEN")}
    env.update(ROSTER_CONFIG_DIR=str(tmp / "config"), ROSTER_DATA_DIR=str(tmp / "data"))
    log = open(tmp / "ssh.log", "wb")  # noqa: SIM115 - the child keeps writing to it
    process = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "ssh", "--db", db, "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    text = ""
    while "roster ssh on" not in text:
        text = (tmp / "ssh.log").read_text(errors="replace")
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"roster ssh did not start: {text}")
        time.sleep(0.05)
    api_url = re.search(r"(http://\S+/scim/v2)", text).group(1)  # type: ignore[union-attr]
    log.close()
    return SshServer(port, db, api_url, process, keys, files, tmp / "config" / "ssh_host_ed25519_key",
                     tmp / "data" / "ssh-files")


def stop(server: SshServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


class Terminal:
    """A session's screen as a terminal would show it (pyte), fed from the channel as it comes."""

    def __init__(self, process: asyncssh.SSHClientProcess[bytes], columns: int, rows: int) -> None:
        self.process = process
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.stream.feed(data)

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline or self._reader.done():
                raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{self.text}")
            await asyncio.sleep(0.03)
        return self.text

    async def wait_until(self, condition: Callable[[str], bool], timeout: float = 20.0) -> str:
        """The screen's text once ``condition`` holds of it."""
        deadline = time.monotonic() + timeout
        while not condition(self.text):
            if time.monotonic() > deadline or self._reader.done():
                raise AssertionError(f"the screen did not come to {condition} in {timeout} s:\n{self.text}")
            await asyncio.sleep(0.03)
        return self.text

    def type(self, keys: str) -> None:
        self.process.stdin.write(keys.encode())

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(rows, columns)
        self.process.change_terminal_size(columns, rows)

    def close(self) -> None:
        self._reader.cancel()


async def console(conn: asyncssh.SSHClientConnection, columns: int = 100, rows: int = 30) -> Terminal:
    """The console of a new session on ``conn``, in a terminal of that size."""
    process = await conn.create_process(term_type="xterm-256color", term_size=(columns, rows), encoding=None)
    return Terminal(process, columns, rows)
