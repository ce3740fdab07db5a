"""The HR drop folder over SFTP: ``incoming/`` takes CSV files, ``outgoing/`` gives back their plans.

One folder shared by everyone (``<data dir>/drop/`` by default), and nothing else: the client sees ``/``,
``/incoming``, ``/outgoing`` and the files directly in them. Editors and account admins may put files into
``incoming/`` (a name taken by another person's file is refused; their own is replaced) and remove their own;
everyone, viewers too, may read ``outgoing/``; a viewer sees nothing of ``incoming/``. No ``..``, no path outside
those, no subfolder, no link (none is followed, none can be made), no rename, no chmod. A file closed after
being written is planned (:mod:`roster_tui.sync.drop`) in a thread, one file at a time, with a token that acts
as the person who dropped it. A file is written out of sight and put in place when closed: one left open when
its connection dropped is thrown away (the last file of that name stays as it was), and never planned.

Wiring (the SSH server): ``DropFolder.from_config(root, api_url, token_for, drop_text()).sftp_factory(person_of)``
is the ``sftp_factory=`` of ``asyncssh.listen`` (``drop_text``: :mod:`roster_tui.cli.drop_text`, the command line's
printers, given by the command since this package imports no command line); ``await token_for(name)`` gives a
token acting as the person, and ``person_of(conn)`` the person a connection logged in as. ``await
folder.settle()`` before revoking the tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import posixpath
import secrets
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Protocol

import asyncssh

from roster_tui.config import DropRule, drop_rules, guard_limits
from roster_tui.core.access import ACCOUNT_ADMIN_ACCESS, EDITOR
from roster_tui.core.guards import Limits
from roster_tui.paths import data_dir
from roster_tui.scim.client import RosterClient
from roster_tui.ssh.commands import MAX_IMPORT_BYTES
from roster_tui.sync.drop import INCOMING, OUTGOING, DropText, plan_drop, write_result

MAX_NAME = 128  # characters of a file name
WRITERS = (EDITOR, ACCOUNT_ADMIN_ACCESS)
log = logging.getLogger(__name__)
_OWNERS = ".owners"  # who dropped each incoming file (beside the two folders, out of the client's reach)
_UPLOADS = ".uploads"  # files being written


class Person(Protocol):
    """Who a connection logged in as (the SSH server's own person type fits): name and access role (``viewer``,
    ``editor``, ``account-admin``)."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


def default_root() -> Path:
    return data_dir() / "drop"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a dropped file's name (None when it can)."""
    if not name or len(name) > MAX_NAME:
        return f"a file name has 1 to {MAX_NAME} characters"
    if name.startswith(".") or name != name.strip():
        return "a file name starts with neither a dot nor a space, nor ends with a space"
    if any(ch in "/\\" or unicodedata.category(ch).startswith("C") for ch in name):
        return "a file name holds no slash, backslash or control character"
    return None


class DropFolder:
    """The drop folder at ``root``: plans its dropped files against the roster API at ``api_url`` with the token
    ``await token_for(person name)`` gives (a token acting as them), per ``rules`` and the guards' ``limits``."""

    def __init__(self, root: Path, api_url: str, token_for: Callable[[str], Awaitable[str]], rules: list[DropRule],
                 limits: Limits, text: DropText) -> None:
        self.root = root.resolve()
        self.api_url, self.token_for, self.rules, self.limits = api_url, token_for, rules, limits
        self.text = text
        for folder in (self.root, self.root / INCOMING, self.root / OUTGOING, self.root / _OWNERS,
                       self.root / _UPLOADS):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.pending: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()
        self.max_upload = MAX_IMPORT_BYTES  # the largest file taken into incoming/, as import over SSH takes
        self.idle_timeout: float | None = None  # seconds without a request before a session is closed

    @classmethod
    def from_config(cls, root: Path | None, api_url: str, token_for: Callable[[str], Awaitable[str]],
                    text: DropText) -> DropFolder:
        """The drop folder (``root`` None: ``drop/`` in the data dir) with config.toml's ``[[drop]]`` rules and
        ``[guards]`` (ConfigError if unusable)."""
        return cls(root or default_root(), api_url, token_for, drop_rules(), guard_limits(), text)

    def sftp_factory(self, person_of: Callable[[asyncssh.SSHServerConnection], Person],
                     ) -> Callable[[asyncssh.SSHServerChannel], asyncssh.SFTPServer]:
        """The ``sftp_factory`` of the SSH server: an SFTP session on this folder as ``person_of(connection)``."""
        return lambda chan: DropSFTPServer(chan, self, person_of(chan.get_connection()))

    def owner(self, name: str) -> str | None:
        try:
            return (self.root / _OWNERS / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def set_owner(self, name: str, person: str | None) -> None:
        path = self.root / _OWNERS / name
        if person is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        else:
            path.write_text(person, encoding="utf-8")

    def dropped(self, name: str, person: Person) -> None:
        """Plan ``incoming/NAME`` (dropped by ``person``) in the background."""
        task = asyncio.get_running_loop().create_task(self._plan(name, person))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def settle(self) -> None:
        """Wait until every dropped file is planned (tests, and a server shutting down)."""
        while self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)

    async def _plan(self, name: str, person: Person) -> None:
        async with self._one_at_a_time:  # one apply at a time, in a thread: the SSH sessions go on meanwhile
            try:
                token = await self.token_for(person.name)
            except Exception as exc:  # e.g. the person was removed meanwhile: the file says it was not planned
                log.exception("no token for %s, who dropped %s", person.name, name)
                write_result(self.root / OUTGOING, name, f"{name}, dropped by {person.name}: not planned: no token "
                                                         f"acts as {person.name} ({exc})\n")
                return
            await asyncio.to_thread(asyncio.run, self._plan_file(name, person, token))

    async def _plan_file(self, name: str, person: Person, token: str) -> None:
        async with RosterClient(self.api_url, token) as client:
            await plan_drop(client, self.root / INCOMING / name, self.root / OUTGOING, person=person.name,
                            rules=self.rules, limits=self.limits, text=self.text)


class DropSFTPServer(asyncssh.SFTPServer):
    """One SFTP session on the drop folder, as one person (see the module's docstring for what it allows)."""

    def __init__(self, chan: asyncssh.SSHServerChannel, folder: DropFolder, person: Person) -> None:
        super().__init__(chan, chroot=os.fsencode(folder.root))
        self.folder, self.person = folder, person
        self._uploads: dict[int, tuple[str, Path]] = {}  # id(file) -> (name, where it is written), being written
        self._closing: list[tuple[str, Path, bool]] = []  # (name, where, abandoned) closed, to be put in place
        self._too_big: set[int] = set()  # id(file) of uploads refused for their size: thrown away when closed
        self._last = asyncio.get_running_loop().time()
        self._idle = asyncio.get_running_loop().create_task(self._close_when_idle(chan, folder.idle_timeout)) \
            if folder.idle_timeout else None

    async def _close_when_idle(self, chan: asyncssh.SSHServerChannel, timeout: float) -> None:
        """Close the session once no request came for ``timeout`` seconds (config.toml [ssh] idle_timeout)."""
        loop = asyncio.get_running_loop()
        while (left := self._last + timeout - loop.time()) > 0:
            await asyncio.sleep(left)
        log.info("SFTP session of %s idle for %g s: closed", self.person.name, timeout)
        chan.close()

    def _active(self) -> None:
        self._last = asyncio.get_running_loop().time()

    # -- paths: the only ones there are ------------------------------------------------------------------

    def _parts(self, path: bytes) -> tuple[str, ...]:
        try:
            text = path.decode("utf-8")
        except UnicodeDecodeError:
            raise asyncssh.SFTPNoSuchFile("file names are UTF-8") from None
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise asyncssh.SFTPPermissionDenied(".. is not allowed: the drop folder is / with incoming/ and outgoing/")
        if len(parts) > 2 or (parts and parts[0] not in (INCOMING, OUTGOING)):
            raise asyncssh.SFTPPermissionDenied("outside the drop folder: only incoming/ and outgoing/ are here")
        if parts and parts[0] == INCOMING and self.person.role not in WRITERS:
            raise asyncssh.SFTPPermissionDenied(f"{self.person.name} is a {self.person.role}: a viewer reads "
                                                "outgoing/ only")
        if len(parts) == 2 and (problem := name_problem(parts[1])):
            raise asyncssh.SFTPNoSuchFile(problem)
        return tuple(parts)

    def map_path(self, path: bytes) -> bytes:
        self._active()  # every request naming a path comes here
        local = os.path.join(self.folder.root, *self._parts(path))
        if os.path.realpath(local) != local:  # a link somewhere on the way: never followed
            raise asyncssh.SFTPPermissionDenied("links are not followed in the drop folder")
        return local.encode()

    def realpath(self, path: bytes) -> bytes:
        """Where ``path`` leads, ``..`` taken within the drop folder (``cd ..`` goes up, never out; only naming a
        path reads it so: opening one with ``..`` is refused)."""
        parts = self._parts(posixpath.normpath(posixpath.join(b"/", path)))
        self.map_path(b"/".join(p.encode() for p in parts))
        return b"/" + b"/".join(p.encode() for p in parts)

    def _file(self, path: bytes, folder: str | None = None) -> str:
        """The name of the file ``path`` is, in ``folder`` (either when None); else refused."""
        parts = self._parts(path)
        if len(parts) != 2 or (folder and parts[0] != folder):
            where = f"{folder}/" if folder else f"{INCOMING}/ and {OUTGOING}/"
            raise asyncssh.SFTPPermissionDenied(f"only the files in {where} can be {'written' if folder else 'read'}")
        self.map_path(path)
        return parts[1]

    async def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
        """The folder's files (``..`` is the folder itself); what is being written, and whose files are whose, are
        not shown."""
        local = os.fsdecode(self.map_path(path))
        here = asyncssh.SFTPAttrs.from_local(os.lstat(local))
        for dots in (b".", b".."):
            yield asyncssh.SFTPName(dots, attrs=here)
        with os.scandir(local) as entries:
            for entry in entries:
                if not entry.name.startswith("."):
                    yield asyncssh.SFTPName(os.fsencode(entry.name), attrs=asyncssh.SFTPAttrs.from_local(
                        entry.stat(follow_symlinks=False)))

    # -- files -------------------------------------------------------------------------------------------

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if not pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC):
            self._file(path)
            return open(self.map_path(path), "rb", buffering=0,
                        opener=lambda p, _: os.open(p, os.O_RDONLY | os.O_NOFOLLOW))
        name = self._file(path, INCOMING)
        owner = self.folder.owner(name)
        local = self.map_path(path)
        if os.path.lexists(local) and owner != self.person.name:
            raise asyncssh.SFTPPermissionDenied(f"incoming/{name} was dropped by {owner or 'someone else'}: drop "
                                                "yours under another name")
        if pflags & asyncssh.FXF_EXCL and os.path.lexists(local):
            raise asyncssh.SFTPFileAlreadyExists(f"incoming/{name} exists")
        if pflags & asyncssh.FXF_APPEND:
            raise asyncssh.SFTPOpUnsupported("a dropped file is put whole: appending to one (reput) is not served")
        # written beside, out of sight, and put in place when closed: a file being planned is never half
        # overwritten, and an upload cut short leaves the last one as it was
        temporary = self.folder.root / _UPLOADS / f"{name}.{secrets.token_hex(4)}"
        file = open(temporary, "wb", buffering=0,  # noqa: SIM115 (closed by close())
                    opener=lambda p, _: os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        self._uploads[id(file)] = (name, temporary)
        return file

    def open56(self, path: bytes, desired_access: int, flags: int, attrs: asyncssh.SFTPAttrs) -> object:
        """SFTP 5 and 6's open, as :meth:`open` (asyncssh's own would write anywhere)."""
        pflags = asyncssh.FXF_READ if desired_access & asyncssh.ACE4_READ_DATA else 0
        append = desired_access & asyncssh.ACE4_APPEND_DATA or flags & asyncssh.FXF_APPEND_DATA
        if desired_access & asyncssh.ACE4_WRITE_DATA or append:
            pflags |= asyncssh.FXF_WRITE | (asyncssh.FXF_APPEND if append else 0)
        pflags |= {asyncssh.FXF_CREATE_NEW: asyncssh.FXF_CREAT | asyncssh.FXF_EXCL,
                   asyncssh.FXF_CREATE_TRUNCATE: asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC,
                   asyncssh.FXF_OPEN_OR_CREATE: asyncssh.FXF_CREAT,
                   asyncssh.FXF_TRUNCATE_EXISTING: asyncssh.FXF_TRUNC}.get(flags & asyncssh.FXF_ACCESS_DISPOSITION, 0)
        return self.open(path, pflags, attrs)

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        self._active()
        return super().read(file_obj, offset, size)  # type: ignore[return-value]

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        """Write an upload's bytes; one growing past ``folder.max_upload`` is refused, and thrown away (the disk is
        not the client's to fill)."""
        self._active()
        if offset + len(data) > self.folder.max_upload and id(file_obj) in self._uploads:
            self._too_big.add(id(file_obj))
            raise asyncssh.SFTPFailure(f"a dropped file may be at most {self.folder.max_upload // 2**20:,} MB: "
                                       "split it into smaller files")
        return super().write(file_obj, offset, data)  # type: ignore[return-value]

    def close(self, file_obj: object) -> None:
        """Close a file; one written is planned once this session is known to go on (a connection that drops
        closes its open files too: such an upload is cut short, and is removed instead, as is one too big)."""
        self._active()
        super().close(file_obj)
        upload = self._uploads.pop(id(file_obj), None)
        if upload is not None:
            self._closing.append((*upload, id(file_obj) in self._too_big))
            self._too_big.discard(id(file_obj))
            asyncio.get_running_loop().call_soon(self._plan_closed)

    def exit(self) -> None:
        """The session ends: files still being closed (open when the connection dropped) are not planned."""
        if self._idle is not None:
            self._idle.cancel()
        self._closing = [(name, temporary, True) for name, temporary, _ in self._closing]

    def _plan_closed(self) -> None:
        if not self._closing:
            return
        name, temporary, abandoned = self._closing.pop(0)
        if abandoned:
            temporary.unlink(missing_ok=True)
            return
        os.replace(temporary, self.folder.root / INCOMING / name)
        self.folder.set_owner(name, self.person.name)
        self.folder.dropped(name, self.person)

    def remove(self, path: bytes) -> None:
        name = self._file(path, INCOMING)
        if self.folder.owner(name) != self.person.name:
            raise asyncssh.SFTPPermissionDenied(f"incoming/{name} was not dropped by {self.person.name}")
        super().remove(path)
        self.folder.set_owner(name, None)

    # -- everything else: read only, or refused ----------------------------------------------------------

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self.map_path(path)  # the drop folder keeps its own modes and times (a client's put -p is not refused)

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        return None

    def lsetstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self.map_path(path)

    def _refuse(self, *_args: object) -> None:
        raise asyncssh.SFTPPermissionDenied("the drop folder takes files into incoming/ only: no folders, links "
                                            "or renames")

    mkdir = rmdir = rename = posix_rename = symlink = link = readlink = _refuse
