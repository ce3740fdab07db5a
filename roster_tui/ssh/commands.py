"""Commands without a terminal: ``export``, ``import`` (the file on standard input) and ``changes``.

Each runs as the ``roster`` command in a process of its own, with the person's token, against the in-process
API; its output and exit status go back over the channel. Only the options listed here are taken: none names a
file or another API on the server. Anything else (a shell, another command) is refused in one line, status 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path

import asyncssh

from roster_tui.core.access import VIEWER

#: Options each command takes over SSH: name -> whether it takes a value.
_GUARDS = {"--max-deactivations": True, "--max-share": True, "--full-sync-share": True, "--force": False}
OPTIONS: dict[str, dict[str, bool]] = {
    "export": {"--status": True},
    "import": {"--json": False, "--apply": False, "--yes": False, "--sync-key": True, "--map": True,
               "--date-format": True, "--deactivate-missing": False, **_GUARDS},
    "changes": {"--open": False, "--user": True, "--json": False},
}
USAGE = ("this server runs only: export [--status S] > roster.csv · import [--json] [--apply] < hr.csv · "
         "changes [N] [--json]")
#: How long a command whose client went away has to stop after each signal (seconds).
STOP_GRACE = 10.0
#: The largest import file taken on standard input.
MAX_IMPORT_BYTES = 200 * 1024 * 1024


class Refused(ValueError):
    """A command this server does not run; the message is the one line the client gets."""


def parse(command: str, role: str, person: str) -> list[str]:
    """The ``roster`` arguments for ``command`` as sent by the client; Refused saying why not."""
    try:
        words = shlex.split(command)
    except ValueError:
        raise Refused(f"roster: the command cannot be read; {USAGE}") from None
    if words[:1] == ["roster"]:  # `ssh host roster export` reads as `ssh host export`
        words = words[1:]
    if not words or words[0] not in OPTIONS:
        shown = words[0][:40] if words else "a shell"
        raise Refused(f"roster: {shown!r} is not run here (no shell, no other command); {USAGE}")
    name, allowed = words[0], OPTIONS[words[0]]
    out, expect_value, positional = [name], False, 0
    for word in words[1:]:
        if expect_value:
            out.append(word)
            expect_value = False
            continue
        if word in ("-h", "--help"):
            return [name, "--help"]
        if word.startswith("-"):
            option, has_value, _ = word.partition("=")
            if option not in allowed:
                raise Refused(f"roster: over SSH {name} takes no {option[:40]} (it takes "
                              f"{', '.join(allowed) or 'no option'})")
            expect_value = allowed[option] and not has_value
            out.append(word)
            continue
        positional += 1
        if name != "changes" or positional > 1 or not word.isdigit():
            what = "reads the file from standard input" if name == "import" else "takes no file"
            raise Refused(f"roster: over SSH {name} {what}: {word[:40]!r} is not taken")
        out.append(word)
    if expect_value:
        raise Refused(f"roster: {out[-1]} needs a value")
    if name == "import" and "--apply" in out:
        if role == VIEWER:
            raise Refused(f"roster: {person} is a viewer: import --apply writes, and a viewer can read, not write "
                          "(the plan alone: leave out --apply)")
        if "--yes" not in out:  # no one can answer a question here: --apply over SSH is the confirmation
            out.append("--yes")
    return out


async def run_command(process: asyncssh.SSHServerProcess[bytes], roster: Sequence[str], args: list[str],
                      env: dict[str, str]) -> int:
    """Run ``roster ARGS`` (``roster``: how to start the command), standard input from the client (for import:
    written to a private file first, removed after), output back to it; the exit status."""
    folder = None
    try:
        if args[0] == "import" and "--help" not in args:
            folder = Path(tempfile.mkdtemp(prefix="roster-ssh-"))  # mode 0700
            path = folder / "stdin.csv"
            size = await _save_input(process, path)
            if process.is_closing():  # the connection dropped before the whole file came: nothing to run
                return 255
            if size is None:
                process.stderr.write(f"roster: the file is over {MAX_IMPORT_BYTES // 2**20} MB\n".encode())
                return 2
            args = [*args, str(path)]
        pipe = asyncio.subprocess.PIPE
        child = await asyncio.create_subprocess_exec(*roster, *args, stdin=asyncio.subprocess.DEVNULL, stdout=pipe,
                                                     stderr=pipe, env=env)
        assert child.stdout is not None and child.stderr is not None
        try:
            await asyncio.gather(_copy(child.stdout, process.stdout), _copy(child.stderr, process.stderr))
            return await child.wait()
        finally:
            if child.returncode is None:  # the client went away: as ctrl-C (an apply says what it wrote and stops)
                await _stop(child)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


async def _stop(child: asyncio.subprocess.Process) -> None:
    """SIGINT, then SIGTERM and SIGKILL after their graces; reaped."""
    for sig, grace in ((signal.SIGINT, STOP_GRACE), (signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(child.wait()), grace)
            return


async def _save_input(process: asyncssh.SSHServerProcess[bytes], path: Path) -> int | None:
    """Write standard input to ``path`` (0600); its size, or None when it is too large (nothing kept)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    size = 0
    with os.fdopen(fd, "wb") as out:
        while data := await process.stdin.read(1 << 16):
            size += len(data)
            if size > MAX_IMPORT_BYTES:
                return None
            out.write(data)
    return size


async def _copy(source: asyncio.StreamReader, target: asyncssh.SSHWriter[bytes]) -> None:
    while data := await source.read(1 << 16):
        target.write(data)
        await target.drain()
