"""One interactive session: the console in a process of its own on a pseudo-terminal of its own.

Bytes go both ways between the SSH channel and the terminal's master side; a window change sets the terminal's
size (the kernel sends the console SIGWINCH); when the connection drops or stays idle too long the console is
hung up (SIGHUP), then terminated and killed if it is still there after a grace, and always reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncssh

#: How long a hung-up console has to end before SIGTERM, and SIGTERM before SIGKILL (seconds).
HANGUP_GRACE = 5.0
TERM_GRACE = 2.0
#: What a hung-up console could not undo on the client's terminal: the main screen back, mouse reports and
#: bracketed paste off, the cursor shown (said before the idle message).
TERMINAL_RESET = "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1049l\x1b[?25h\x1b[0m"
#: Output the channel may hold unsent before the console's output stops being read (its writes then block).
MAX_UNSENT = 256 * 1024


def set_size(fd: int, columns: int, rows: int) -> None:
    """Give the terminal ``columns`` x ``rows`` (at least 1 x 1); its foreground process gets SIGWINCH."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(columns, 1), 0, 0))


def _take_terminal() -> None:
    """In the child, after setsid: make its standard input (the terminal) its controlling terminal, so that
    window changes and hang-ups reach it."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class ConsoleSession:
    """The console of one SSH channel (``process``), run as ``argv`` with ``env``."""

    def __init__(self, process: asyncssh.SSHServerProcess[bytes], argv: Sequence[str], env: dict[str, str],
                 idle_timeout: float | None, cwd: Path | None = None) -> None:
        self.process = process
        self.cwd = cwd
        self.argv = list(argv)
        self.env = env
        self.idle_timeout = idle_timeout or None
        self.child: asyncio.subprocess.Process | None = None
        self._master = -1
        self._output_ended = asyncio.Event()
        self._draining: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child else None

    async def run(self) -> int:
        """Run the console until it ends or the connection does; its exit status (or 255 when hung up)."""
        columns, rows, _, _ = self.process.term_size
        master, slave = os.openpty()
        self._master = master
        try:
            set_size(master, columns or 80, rows or 24)
            self.child = await asyncio.create_subprocess_exec(
                *self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env, cwd=self.cwd,
                start_new_session=True, preexec_fn=_take_terminal)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        loop = asyncio.get_running_loop()
        loop.add_reader(master, self._readable)
        ended = asyncio.ensure_future(self.child.wait())
        typing = asyncio.ensure_future(self._pump_input())
        try:
            await asyncio.wait({ended, typing}, return_when=asyncio.FIRST_COMPLETED)
            reason = None
            if not ended.done():
                reason = typing.result() if typing.done() and not typing.cancelled() else "lost"
                await self.hang_up()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._output_ended.wait(), 1.0)
            if reason == "idle":
                self._say(f"{TERMINAL_RESET}roster: no key pressed for {self.idle_timeout:g} s; the session is "
                          "closed (config.toml [ssh] idle_timeout)")
        finally:
            typing.cancel()
            if not ended.done():  # cancelled itself (the server stops): the console goes too
                await self.hang_up()
            loop.remove_reader(master)
            if self._draining is not None:
                self._draining.cancel()
            os.close(master)
        code = self.child.returncode
        return code if code is not None and code >= 0 else 255

    def _say(self, text: str) -> None:
        with contextlib.suppress(Exception):
            self.process.stdout.write(f"\r\n{text}\r\n".encode())

    def _readable(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every process holding the terminal has closed it
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self._master)
            self._output_ended.set()
            return
        try:
            self.process.stdout.write(data)
        except Exception:  # the channel is closing: what the console still writes goes nowhere
            return
        if self.process.channel.get_write_buffer_size() > MAX_UNSENT:
            asyncio.get_running_loop().remove_reader(self._master)
            self._draining = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        with contextlib.suppress(Exception):
            await self.process.stdout.drain()
        if not self._output_ended.is_set():
            asyncio.get_running_loop().add_reader(self._master, self._readable)

    async def _pump_input(self) -> str:
        """Pass what the client types to the terminal until the connection ends ("lost") or nothing is typed for
        the idle timeout ("idle")."""
        while True:
            try:
                data = await asyncio.wait_for(self.process.stdin.read(65536), self.idle_timeout)
            except asyncssh.TerminalSizeChanged as change:
                set_size(self._master, change.width, change.height)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except TimeoutError:
                return "idle"
            except (asyncssh.Error, OSError, ConnectionError):
                return "lost"
            if not data:
                return "lost"
            await self._write(data)

    async def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._master, view):]
            except BlockingIOError:  # the console is not reading: wait for it
                await asyncio.sleep(0.005)

    async def hang_up(self) -> None:
        """SIGHUP to the console's process group, then SIGTERM and SIGKILL after their graces; reaped."""
        child = self.child
        if child is None or child.returncode is not None:
            return
        for sig, grace in ((signal.SIGHUP, HANGUP_GRACE), (signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, None)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, sig)
            try:
                await asyncio.wait_for(asyncio.shield(child.wait()), grace)
                return
            except TimeoutError:
                continue


def child_env(base: dict[str, Any], api_url: str, token: str, term: str | None) -> dict[str, str]:
    """The environment of a session's process: the server's, with the in-process API and the person's token."""
    env = {k: str(v) for k, v in base.items() if k not in ("TMUX", "COLUMNS", "LINES")}
    env["ROSTER_API_URL"] = api_url
    env["ROSTER_API_TOKEN"] = token
    env["TERM"] = term or "xterm-256color"
    return env
