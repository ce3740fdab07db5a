"""The console over SSH: connection to first rows, 20 sessions at once paging, memory per session.

    .venv/bin/python benchmarks/ssh.py                         # 20,000 users, 7 alternating runs, 20 sessions
    .venv/bin/python benchmarks/ssh.py --users 100000 --sessions 20 --runs 5

One copy of the cached seeded roster (``benchmarks/common.seeded_db``) is served twice: by ``roster ssh`` (its
in-process API on a loopback port) and by ``roster serve``, the baseline. A person with a fresh ed25519 key is added
for the SSH server; ``config.toml [ssh]`` lets them hold every session (no auth delay).

- **First rows**: from opening the connection (asyncssh client, a 160x50 pseudo-terminal asked for) to the
  employee ID of the first user by family name on the screen, read by a terminal emulator (pyte) fed with every
  byte the channel brings; the baseline is ``roster --api URL`` started locally on a pseudo-terminal of its own,
  read the same way (Python's start and the console's included in both). The two alternate; medians.
- **Sessions at once**: N sessions opened together, each waits for its rows, then each presses pagedown K times
  (one key every ``--interval`` seconds, default 0.5, the sessions out of step); a key's latency is from writing
  it to the screen's first data row changing. p50/p95 over every key of every session; the baseline is one local
  console paging alone.
- **CPU per key** while the sessions page: the SSH server's (its API included) and the consoles', from
  ``/proc/PID/stat``.
- **Memory**: the RSS of each session's console process (``/proc/PID/status``) with the N sessions open, and the
  SSH server's own.

The machine is shared: read the medians and the ratio to the baseline of the same run, not single figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh
import httpx
import pyte

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.common import TOKEN, free_port, seeded_db, start_roster, stop  # noqa: E402
from roster_tui.core.ssh_keys import parse_key_line  # noqa: E402
from roster_tui.server.storage.sql import SqlStorage  # noqa: E402

COLUMNS, ROWS = 160, 50
PAGE_DOWN = b"\x1b[6~"


class Screen:
    """A terminal emulator fed from a byte source; ``changed`` is set at each feed."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.changed = asyncio.Event()

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)
        self.changed.set()

    def shows(self, text: str) -> bool:
        return any(text in line for line in self.screen.display)

    async def until(self, condition: object, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():  # type: ignore[operator]
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("\n".join(self.screen.display))
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                continue

    def first_row(self) -> str:
        return next((line for line in self.screen.display if "@" in line), "")


class SshSession:
    def __init__(self, port: int, key: asyncssh.SSHKey) -> None:
        self.port, self.key = port, key
        self.view = Screen()

    async def open(self) -> None:
        self.conn = await asyncssh.connect("127.0.0.1", self.port, username="roster", client_keys=[self.key],
                                           known_hosts=None, agent_path=None)
        self.process = await self.conn.create_process(term_type="xterm-256color", term_size=(COLUMNS, ROWS),
                                                      encoding=None)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.view.feed(data)

    def press(self, key: bytes) -> None:
        self.process.stdin.write(key)

    async def close(self) -> None:
        self.conn.close()
        await self.conn.wait_closed()
        self._reader.cancel()


class LocalSession:
    """``roster --api URL`` on a local pseudo-terminal: the baseline."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.view = Screen()

    async def open(self) -> None:
        import fcntl
        import struct
        import termios

        master, slave = os.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", ROSTER_API_TOKEN=TOKEN)
        self.proc = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "--api", self.url], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        asyncio.get_running_loop().add_reader(master, self._readable)

    def _readable(self) -> None:
        with contextlib.suppress(OSError):  # nothing to read yet, or the console has closed its terminal
            self.view.feed(os.read(self.master, 65536))

    def press(self, key: bytes) -> None:
        os.write(self.master, key)

    async def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.master)
        self.proc.terminate()
        self.proc.wait(10)
        os.close(self.master)


async def first_rows(session: SshSession | LocalSession, marker: str) -> float:
    started = time.perf_counter()
    await session.open()
    await session.view.until(lambda: session.view.shows(marker))
    took = time.perf_counter() - started
    await session.close()
    return took


async def page(session: SshSession | LocalSession, keys: int, latencies: list[float], interval: float,
               offset: float = 0.0) -> None:
    """``keys`` pagedowns, one every ``interval`` seconds, the first after ``offset`` (sessions out of step)."""
    await session.view.until(lambda: session.view.shows("@"))
    await asyncio.sleep(0.5 + offset)
    for _ in range(keys):
        before = session.view.first_row()
        started = time.perf_counter()
        session.press(PAGE_DOWN)
        await session.view.until(lambda: session.view.first_row() != before, timeout=30)  # noqa: B023
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(interval)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="roster-ssh-bench-"))
    db = work / "roster.db"
    shutil.copy(seeded_db(args.users), db)
    key = asyncssh.generate_private_key("ssh-ed25519")
    storage = SqlStorage(str(db))
    storage.add_person("bench", "editor", [parse_key_line(key.export_public_key().decode())])
    storage.close()
    config = work / "config"
    config.mkdir()
    (config / "config.toml").write_text(f"[ssh]\nauth_delay = 0\nmax_sessions_per_person = {args.sessions + 5}\n"
                                        f"max_sessions = {args.sessions + 5}\n")
    env = {**os.environ, "ROSTER_CONFIG_DIR": str(config), "ROSTER_DATA_DIR": str(work / "data")}
    port = free_port()
    ssh = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "ssh", "--db", str(db), "--port", str(port)],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url, serve = start_roster(db)
    try:
        assert ssh.stderr is not None
        print(ssh.stderr.readline().decode().strip(), file=sys.stderr)
        first = httpx.get(f"{url}/Users", params={"sortBy": "name.familyName", "count": 1},
                          headers={"Authorization": f"Bearer {TOKEN}"}).json()["Resources"][0]
        marker = first["userName"]
        over_ssh, local = [], []
        for _ in range(args.runs):
            over_ssh.append(await first_rows(SshSession(port, key), marker))
            local.append(await first_rows(LocalSession(url), marker))
        ssh_median, local_median = statistics.median(over_ssh), statistics.median(local)
        print(f"first rows ({args.users:,} users, {args.runs} runs): over SSH median {ssh_median:.2f} s (min "
              f"{min(over_ssh):.2f}, max {max(over_ssh):.2f}); local `roster --api` median {local_median:.2f} s; "
              f"ratio {ssh_median / local_median:.2f}")

        alone: list[float] = []
        baseline = LocalSession(url)
        await baseline.open()
        await page(baseline, args.keys, alone, args.interval)
        await baseline.close()

        sessions = [SshSession(port, key) for _ in range(args.sessions)]
        opened = time.perf_counter()
        await asyncio.gather(*(s.open() for s in sessions))
        await asyncio.gather(*(s.view.until(lambda s=s: s.view.shows(marker)) for s in sessions))
        all_up = time.perf_counter() - opened
        rss = [rss_mb(pid) for pid in children(ssh.pid)]
        latencies: list[float] = []
        consoles = children(ssh.pid)
        cpu_before = cpu_seconds(ssh.pid), sum(cpu_seconds(p) for p in consoles)
        client_before = time.process_time()
        await asyncio.gather(*(page(s, args.keys, latencies, args.interval, i * args.interval / len(sessions))
                               for i, s in enumerate(sessions)))
        client_cpu = time.process_time() - client_before
        server_cpu = cpu_seconds(ssh.pid) - cpu_before[0]
        consoles_cpu = sum(cpu_seconds(p) for p in consoles) - cpu_before[1]
        print(f"{args.sessions} sessions at once, a key every {args.interval:g} s each: all showing rows "
              f"{all_up:.1f} s after opening; pagedown key to screen p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
              f"p95 {pct(latencies, 0.95) * 1000:.0f} ms ({len(latencies)} keys); one local console alone: "
              f"p50 {pct(alone, 0.5) * 1000:.0f} ms, p95 {pct(alone, 0.95) * 1000:.0f} ms")
        print(f"CPU per key while paging: the SSH server with its API {server_cpu / len(latencies) * 1000:.0f} ms, "
              f"the console {consoles_cpu / len(latencies) * 1000:.0f} ms; this script's terminal emulators (pyte, "
              f"one per session, in this one process) {client_cpu / len(latencies) * 1000:.0f} ms")
        print(f"memory: console process per session RSS median {statistics.median(rss):.0f} MB (min {min(rss):.0f}, "
              f"max {max(rss):.0f}, {len(rss)} processes); the SSH server with its in-process API "
              f"{rss_mb(ssh.pid):.0f} MB")
        await asyncio.gather(*(s.close() for s in sessions))
    finally:
        stop(serve)
        stop(ssh)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7, help="first-rows runs of each (alternating)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--keys", type=int, default=15, help="pagedowns per session")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between one session's keys (default "
                        "0.5: 20 sessions press 40 keys a second between them)")
    asyncio.run(main(parser.parse_args()))
