"""Benchmark the HR drop folder: how long a dropped file takes to be planned, and how much the SSH server's event
loop lags meanwhile (the plan runs in a thread; the lag is what every SSH session of the server waits).

    .venv/bin/python benchmarks/drop.py                  # 100,000 rows, 3 runs
    .venv/bin/python benchmarks/drop.py --rows 20000 --runs 1

Each run: a fresh roster API (empty SQLite) and drop folder; the loop's lag is sampled (a 5 ms sleep's overshoot)
for 2 s idle (the baseline), then while a file of ``--rows`` new users, put over SFTP, is planned (``never``: not
applied). Prints the medians over the runs of the planning time and of the lag's median, p95 and max.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import asyncssh

from benchmarks.common import TOKEN, start_roster, stop
from roster_tui.cli.drop_text import drop_text
from roster_tui.config import DropRule
from roster_tui.core.guards import Limits
from roster_tui.ssh.drop_folder import DropFolder


class _Someone:
    name, role = "bench", "editor"


class _AnyKey(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return True


async def _lag(seconds: float) -> list[float]:
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        await asyncio.sleep(0.005)
        out.append((time.monotonic() - started - 0.005) * 1000)
    return out


def _figures(lags: list[float]) -> tuple[float, float, float]:
    ordered = sorted(lags)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95)], ordered[-1]


async def _run(url: str, tmp: Path, rows: int) -> tuple[float, tuple[float, ...], tuple[float, ...]]:
    async def token_for(name: str) -> str:
        return TOKEN

    folder = DropFolder(tmp / "drop", url, token_for, [DropRule("*.csv")], Limits(), drop_text())
    acceptor = await asyncssh.listen("127.0.0.1", 0, server_factory=_AnyKey,
                                     server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
                                     sftp_factory=folder.sftp_factory(lambda conn: _Someone()))
    csv = tmp / "hr.csv"
    csv.write_text("Email,First Name,Last Name\n" + "".join(f"u{i}@bench.example,F{i},L{i}\n" for i in range(rows)))
    idle = await _lag(2)
    async with asyncssh.connect("127.0.0.1", acceptor.sockets[0].getsockname()[1], known_hosts=None,
                                client_keys=[asyncssh.generate_private_key("ssh-ed25519")], agent_path=None,
                                ) as conn, conn.start_sftp_client() as sftp:
        await sftp.put(str(csv), "incoming/hr.csv")
    started = time.monotonic()
    planned = asyncio.create_task(folder.settle())
    busy: list[float] = []
    while not planned.done():
        busy += await _lag(0.1)
    took = time.monotonic() - started
    acceptor.close()
    if "Plan: " not in (tmp / "drop" / "outgoing" / "hr.plan.txt").read_text():
        raise RuntimeError((tmp / "drop" / "outgoing" / "hr.result.txt").read_text())
    return took, _figures(idle), _figures(busy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="roster-drop-bench-") as name:
            tmp = Path(name)
            url, proc = start_roster(tmp / "roster.db")
            try:
                results.append(asyncio.run(_run(url, tmp, args.rows)))
            finally:
                stop(proc)
    took = statistics.median(r[0] for r in results)
    print(f"| {args.rows:,} rows, medians of {args.runs} runs | loop lag median | p95 | max |")
    print("|---|---|---|---|")
    for label, at in (("idle (baseline)", 1), (f"while planning ({took:.1f} s)", 2)):
        cells = " | ".join(f"{statistics.median(r[at][i] for r in results):.1f} ms" for i in range(3))
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    main()
