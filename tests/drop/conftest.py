"""An SSH server serving the drop folder over SFTP (key auth against keys made here), on the test roster service.

The server runs on an event loop of its own thread, one per module: the tests' clients (asyncssh, or OpenSSH's
``sftp``) talk to it as to any SSH server.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import httpx
import pytest

from roster_tui.cli.drop_text import drop_text
from roster_tui.config import DropRule
from roster_tui.core.guards import Limits
from roster_tui.ssh.drop_folder import DropFolder
from tests.conftest import RunningServer
from tests.server.access_helpers import person_token


@dataclass(frozen=True)
class Person:
    name: str
    role: str


RULES = [DropRule("never-*.csv", None, "never"), DropRule("auto-*.csv", None, "when-clean")]
ROLES = {"editor": "editor", "other": "editor", "viewer": "viewer", "ghost": "editor"}  # ghost: no token


class _Auth(asyncssh.SSHServer):
    """Keys only: a key of a known person logs them in (``person`` of the connection), nothing else."""

    def __init__(self, people: dict[str, Person]) -> None:
        self.people = people
        self.person: Person | None = None

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        self.person = self.people.get(key.get_fingerprint())
        return self.person is not None


@dataclass
class DropServer:
    port: int
    folder: DropFolder
    loop: asyncio.AbstractEventLoop
    api: RunningServer
    keys: dict[str, asyncssh.SSHKey] = field(default_factory=dict)  # "editor", "other", "viewer" -> key
    people: dict[str, Person] = field(default_factory=dict)

    def settle(self) -> None:
        """Wait until every file dropped so far is planned (and applied, where its rule says so)."""
        asyncio.run_coroutine_threadsafe(self.folder.settle(), self.loop).result(30)

    def connect(self, who: str) -> asyncssh.SSHClientConnection:
        return asyncssh.connect("127.0.0.1", self.port, username="roster", client_keys=[self.keys[who]],
                                known_hosts=None, agent_path=None)

    def outgoing(self, name: str) -> str:
        return (self.folder.root / "outgoing" / name).read_text(encoding="utf-8-sig")

    def users(self, *emails: str) -> list[str]:
        """Which of ``emails`` the roster has."""
        with httpx.Client(base_url=self.api.url, headers=self.api.headers(), timeout=10) as http:
            found = [http.get("/Users", params={"filter": f'userName eq "{e}"'}).json()["totalResults"]
                     for e in emails]
        return [e for e, n in zip(emails, found, strict=True) if n]


@pytest.fixture(scope="module")
def drop_server(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DropServer]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    keys = {who: asyncssh.generate_private_key("ssh-ed25519") for who in ROLES}
    tag = uuid.uuid4().hex[:8]
    people = {who: Person(f"{who}-{tag}", role) for who, role in ROLES.items()}
    tokens = {p.name: person_token(server.db, p.name, p.role) for who, p in people.items() if who != "ghost"}
    by_key = {keys[who].get_fingerprint(): people[who] for who in ROLES}
    limits = Limits().with_values({"max_deactivations": 1}, "the test")

    async def token_for(name: str) -> str:
        return tokens[name]

    folder = DropFolder(tmp_path_factory.mktemp("drop") / "drop", server.url, token_for, RULES, limits, drop_text())
    host_key = asyncssh.generate_private_key("ssh-ed25519")

    async def listen() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen("127.0.0.1", 0, server_factory=lambda: _Auth(by_key),
                                     server_host_keys=[host_key], sftp_version=6,
                                     sftp_factory=folder.sftp_factory(lambda conn: conn.get_owner().person))

    listener = asyncio.run_coroutine_threadsafe(listen(), loop).result(10)
    port = listener.sockets[0].getsockname()[1]
    yield DropServer(port, folder, loop, server, keys, people)
    asyncio.run_coroutine_threadsafe(folder.settle(), loop).result(30)
    listener.close()
    asyncio.run_coroutine_threadsafe(listener.wait_closed(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def roster_csv(path: Path, rows: list[tuple[str, ...]], header: str = "Email,First Name,Last Name") -> Path:
    path.write_text(header + "\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def unique_email(who: str = "drop") -> str:
    return f"{who}-{uuid.uuid4().hex[:10]}@drop.example"
