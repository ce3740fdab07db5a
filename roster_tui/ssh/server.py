"""The SSH server: public keys only, each key one person, each session the console or one command.

A client logs in with a key ``roster people add`` recorded; no password, no keyboard-interactive, no shell. The
person acts with a token of their own, minted once per server start and recorded hashed (the audit trail names
them; their role is read by the service at each request, so ``roster people role`` reaches running sessions).
An interactive session (a terminal asked for, no command) runs the console (:mod:`.console`); a command runs
as in :mod:`.commands`. SFTP is served only when a ``sftp_factory`` is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncssh

from roster_tui.config import SshLimits
from roster_tui.server.auth import new_token, token_hash
from roster_tui.ssh.commands import Refused, parse, run_command
from roster_tui.ssh.console import ConsoleSession, child_env

log = logging.getLogger("roster.ssh")
#: How a session starts the ``roster`` command (the console, or a command).
ROSTER_COMMAND = (sys.executable, "-m", "roster_tui.cli")


@dataclass(frozen=True)
class Person:
    name: str
    role: str


class PeopleStore(Protocol):
    """What the SSH server asks the storage (:class:`~roster_tui.server.storage.access_store.AccessStore`)."""

    def person_by_fingerprint(self, fingerprint: str) -> dict[str, str] | None: ...

    def add_person_token(self, name: str, digest: str, label: str) -> str: ...

    def revoke_token(self, name: str) -> bool: ...


@dataclass
class RosterSsh:
    """The server's state: people's tokens, live sessions, their limits."""

    people: PeopleStore
    api_url: str
    limits: SshLimits = field(default_factory=SshLimits)
    roster_command: Sequence[str] = ROSTER_COMMAND
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    #: the one folder the consoles read and write files in (the import wizard's file, saved plans and errors):
    #: the sessions run as the server's user, and must not reach its other files (its keys, its database)
    files: Path | None = None
    _tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # person -> (token name, token)
    _open: Counter[str] = field(default_factory=Counter)
    consoles: set[ConsoleSession] = field(default_factory=set)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _acceptor: asyncssh.SSHAcceptor | None = None
    #: the tokens' label: NAME:ssh-XXXXXX (a person's name and a label fit the 64 characters of a token name)
    _label: str = field(default_factory=lambda: f"ssh-{secrets.token_hex(3)}")

    async def start(self, host: str, port: int, host_key: asyncssh.SSHKey,
                    sftp_factory: Callable[..., Any] | None = None) -> int:
        """Listen on ``host``:``port`` (0: any free port); the port. ``sftp_factory``: asyncssh's, to serve SFTP
        (without it SFTP is refused)."""
        self._acceptor = await asyncssh.create_server(
            lambda: _Auth(self), host, port, server_host_keys=[host_key], process_factory=self._session,
            encoding=None, line_editor=False, sftp_factory=sftp_factory and self._counted(sftp_factory),
            allow_scp=False, x11_forwarding=False,
            agent_forwarding=False, login_timeout=30, keepalive_interval=60)
        return int(self._acceptor.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening, hang up every console, revoke the tokens minted."""
        if self._acceptor is not None:
            self._acceptor.close()
        await asyncio.gather(*(c.hang_up() for c in list(self.consoles)), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for token_name, _ in self._tokens.values():
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.people.revoke_token, token_name)
        self._tokens.clear()

    async def token_of(self, person: str) -> str:
        """The person's token for this server start (minted and recorded on first use)."""
        if person not in self._tokens:
            token = new_token()
            name = await asyncio.to_thread(self.people.add_person_token, person, token_hash(token).hex(),
                                           self._label)
            self._tokens[person] = (name, token)
        return self._tokens[person][1]

    def _counted(self, sftp_factory: Callable[..., Any]) -> Callable[[asyncssh.SSHServerChannel], Any]:
        """``sftp_factory`` with each SFTP session counted in the session limits, as a console or a command is: one
        over a limit is told which and closed."""

        def make(chan: asyncssh.SSHServerChannel) -> Any:
            person: Person = chan.get_connection().get_extra_info("roster_person")
            if (refusal := self._refusal(person.name)) is not None:
                return _RefusedSftp(chan, refusal)
            self._open[person.name] += 1
            server = sftp_factory(chan)
            exit_server = server.exit

            def exit() -> Any:
                self._open[person.name] -= 1
                return exit_server()

            server.exit = exit
            return server

        return make

    def _refusal(self, person: str) -> str | None:
        lim = self.limits
        if lim.max_sessions and sum(self._open.values()) >= lim.max_sessions:
            return (f"roster: the server has {lim.max_sessions} sessions open, the most it allows "
                    "(config.toml [ssh] max_sessions); try again later")
        if lim.max_sessions_per_person and self._open[person] >= lim.max_sessions_per_person:
            return (f"roster: {person} has {self._open[person]} sessions open, the most one person may "
                    "(config.toml [ssh] max_sessions_per_person); close one first")
        return None

    async def _session(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            process.exit(await self._run(process))
        except (asyncssh.Error, OSError, ConnectionError):
            process.close()
        except ValueError as exc:  # the person was removed since they logged in (no token can be made for them)
            process.exit(self._refuse(process, f"roster: {exc}"))
        finally:
            self._tasks.discard(task)

    async def _run(self, process: asyncssh.SSHServerProcess[bytes]) -> int:
        person: Person = process.get_extra_info("roster_person")
        if process.subsystem:
            return self._refuse(process, f"roster: the {process.subsystem[:40]!r} subsystem is not served here")
        command = process.command
        args: list[str] = []
        if command is not None:
            try:
                args = parse(command, person.role, person.name)
            except Refused as exc:
                return self._refuse(process, str(exc))
        elif process.term_type is None:
            return self._refuse(process, "roster: the console needs a terminal (ssh -t); without one, run a "
                                "command: export, import or changes")
        if (refusal := self._refusal(person.name)) is not None:
            return self._refuse(process, refusal)
        self._open[person.name] += 1
        try:
            token = await self.token_of(person.name)
            env = child_env(self.env, self.api_url, token, process.term_type)
            if command is not None:
                log.info("%s runs %s", person.name, args[0])
                return await run_command(process, self.roster_command, [args[0], "--api", self.api_url, *args[1:]], env)
            log.info("%s opens the console", person.name)
            if self.files is not None:
                env["ROSTER_FILES_ROOT"] = str(self.files)
            session = ConsoleSession(process, [*self.roster_command, "--api", self.api_url], env,
                                     self.limits.idle_timeout, cwd=self.files)
            self.consoles.add(session)
            try:
                return await session.run()
            finally:
                self.consoles.discard(session)
        finally:
            self._open[person.name] -= 1

    @staticmethod
    def _refuse(process: asyncssh.SSHServerProcess[bytes], message: str) -> int:
        end = "\r\n" if process.term_type else "\n"
        process.stderr.write((message + end).encode())
        return 2


class _RefusedSftp(asyncssh.SFTPServer):
    """An SFTP session over a limit: the reason on standard error (sftp shows it), then the channel closed."""

    def __init__(self, chan: asyncssh.SSHServerChannel, reason: str) -> None:
        super().__init__(chan)
        chan.write_stderr((reason + "\n").encode())
        chan.exit(2)


class _Auth(asyncssh.SSHServer):
    """One connection's authentication: a public key of a person, nothing else."""

    def __init__(self, server: RosterSsh) -> None:
        self._server = server
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Called for each key offered, and again with its signature: the person is set each time (the last
        call is the one that logs in)."""
        assert self._conn is not None
        found = await asyncio.to_thread(self._server.people.person_by_fingerprint, key.get_fingerprint("sha256"))
        person = Person(found["name"], found["role"]) if found else None
        self._conn.set_extra_info(roster_person=person)
        if person is None:
            await asyncio.sleep(self._server.limits.auth_delay)
            return False
        return True
