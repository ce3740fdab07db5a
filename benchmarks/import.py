"""Benchmark the CSV importer over loopback against a seeded ``roster serve`` (a script, not a test).

    .venv/bin/python benchmarks/import.py                      # 100k rows / 100k users, 1M-row plan
    .venv/bin/python benchmarks/import.py --rows 10000 --big-rows 100000 --runs 3   # a quick run

Prints a markdown table of medians: planning a file of ``--rows`` rows against a roster of ``--rows`` users
(with the floor measured in the same run: ``csv.reader`` over the file + one SQL read of the roster),
applying ``--rows`` creates (alternately recorded as a change of the journal and not, each on a fresh empty roster,
and the undo of the recorded one), and planning a ``--big-rows`` file in a separate process (wall time, peak RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from roster_tui.core.plan_writes import write_order
from roster_tui.heap import gc_paused
from roster_tui.scim.client import RosterClient
from roster_tui.sync.apply import apply_rows
from roster_tui.sync.changes import apply_plan, apply_undo, plan_undo
from roster_tui.sync.export import export_roster
from roster_tui.sync.import_file import prepare_file
from roster_tui.sync.importer import plan_import
from roster_tui.sync.shape import shape_plan

TOKEN = "bench-token-0123456789"
#: Runs a command with its output discarded, then prints its peak RSS in KiB.
PEAK_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def cached_seed(users: int) -> Path:
    """The seeded file of ``benchmarks/common.py`` (cached in /tmp/roster-bench), seeded if missing."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks.common import seeded_db

    return seeded_db(users)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], check=True,
                          env={**os.environ, **(env or {})}, **kw)  # type: ignore[call-overload]


class Server:
    def __init__(self, db: Path, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/scim/v2"
        self.env = {**os.environ, "ROSTER_API_TOKEN": TOKEN, "ROSTER_CONFIG_DIR": str(tmp / "cfg"),
                    "ROSTER_DATA_DIR": str(tmp / "data")}
        self.process = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "serve", "--port", str(self.port),
                                         "--db", str(db), "--create"], env=self.env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/ServiceProviderConfig", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def floor(path: Path, db: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8-sig") as f:
        for _row in csv.reader(f):
            pass
    conn = sqlite3.connect(db)
    conn.execute("SELECT id, version, doc FROM users").fetchall()
    conn.close()
    return time.perf_counter() - started


async def export_to(url: str, path: Path, edit_every: int, titles: int | None = None) -> None:
    """The roster as an HR file with a new title on every ``edit_every``-th row (unique, or one of ``titles``)."""
    out = io.StringIO()
    async with RosterClient(url, TOKEN) as client:
        await export_roster(client, out)
    lines = out.getvalue().splitlines(keepends=True)
    for i in range(1, len(lines), edit_every):  # an HR file with some changes: new titles
        cells = next(csv.reader([lines[i]]))
        cells[4] = f"Changed Title {i % titles if titles else i}"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(cells)
        lines[i] = buf.getvalue()
    path.write_text("".join(lines), encoding="utf-8")


def new_users_file(path: Path, rows: int, tag: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["Email", "Employee ID", "First Name", "Last Name", "Title", "Department", "Hire Date"])
        for i in range(rows):
            w.writerow([f"new.{tag}.{i}@bench.example", f"N{tag}{i}", "New", f"User{i}", "Analyst",
                        "Finance", "2024-05-06"])


async def time_plan(url: str, path: Path) -> tuple[float, dict[str, int], float]:
    """Seconds to plan ``path`` as roster import does (its grouped preview included), the plan's counts, and the
    seconds of the grouped preview alone (groups and anomalies, with their requests), timed again on that plan."""
    started = time.perf_counter()
    async with RosterClient(url, TOKEN) as client:
        prepared = prepare_file(path, scan=False)
        plan = await plan_import(client, prepared)  # as roster import does
        took = time.perf_counter() - started
        started = time.perf_counter()
        with gc_paused():  # as plan_import runs it
            await shape_plan(client, plan, prepared.scan.rows, prepared.mapping_key)
        shape = time.perf_counter() - started
    return took, plan.summary(), shape


def shape_row(name: str, plans: list[tuple[float, dict[str, int], float]]) -> tuple[str, str, str]:
    """The grouped preview's figure: its median seconds, against the median plan without it (same runs)."""
    shape = statistics.median(p[2] for p in plans)
    bare = statistics.median(p[0] - p[2] for p in plans)
    summary = plans[0][1]
    return (f"grouped preview (groups + anomalies) of {name}", f"{shape * 1000:.0f} ms",
            f"{100 * shape / bare:.1f}% of the plan without it ({bare:.2f} s); {summary['update']} update")


async def time_apply(url: str, path: Path, recorded: bool) -> tuple[float, dict[str, int], float | None]:
    """Seconds to apply the creates of ``path``: as a recorded change (then also the seconds to plan and apply
    its undo), or not recorded, as on a server without a change journal (the same writes, no change header)."""
    async with RosterClient(url, TOKEN) as client:
        plan = await plan_import(client, prepare_file(path))
        started = time.perf_counter()
        if recorded:
            result = await apply_plan(client, plan)
        else:
            result = await apply_rows(client, write_order(plan), index=plan.index)
        took = time.perf_counter() - started
        if not recorded:
            return took, result.counts(), None
        started = time.perf_counter()
        undone = await apply_undo(client, await plan_undo(client, result.change))  # type: ignore[arg-type]
        assert undone.clean, undone.summary()
        return took, result.counts(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="file rows = roster users (default 100000)")
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="rows of the big file (0: skip)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--apply-runs", type=int, default=1, help="runs of the apply figure (0: skip)")
    args = parser.parse_args()
    rows = args.rows
    results: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "seeded.db"
        shutil.copy(cached_seed(rows), db)  # the cached seeded file, copied: the server may write to it
        server = Server(db, tmp)
        try:
            file = tmp / "hr.csv"
            asyncio.run(export_to(server.url, file, edit_every=100))
            floors, plans = [], []
            for _ in range(args.runs):  # interleaved, so a slower spell of the machine hits both
                floors.append(floor(file, db))
                plans.append(asyncio.run(time_plan(server.url, file)))
            plan_median, fl = statistics.median(p[0] for p in plans), statistics.median(floors)
            summary = plans[0][1]
            results.append((f"plan {rows:,} rows vs {rows:,} users",
                            f"{plan_median:.2f} s (floor {fl:.2f} s, {plan_median / fl:.1f}x)",
                            f"{summary['update']} update, {summary['unchanged']} unchanged"))
            results.append(shape_row("that plan", plans))
            every = tmp / "every.csv"  # every row changed: the most groups' work (one of 40 new titles each)
            asyncio.run(export_to(server.url, every, edit_every=1, titles=40))
            changed = [asyncio.run(time_plan(server.url, every)) for _ in range(args.runs)]
            results.append(shape_row(f"a plan changing all {rows:,} rows", changed))
            if args.big_rows:
                big = tmp / "big.csv"
                new_users_file(big, args.big_rows, "big")
                times, rss = [], []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    out = subprocess.run([sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "roster_tui.cli",
                                          "import", str(big), "--json", "--api", server.url],
                                         env=server.env, capture_output=True, text=True, check=True)
                    times.append(time.perf_counter() - started)
                    rss.append(int(out.stdout.split()[-1]))
                results.append((f"plan {args.big_rows:,} rows (CLI process, --json)",
                                f"{statistics.median(times):.1f} s",
                                f"peak RSS {max(rss) / 1024:.0f} MB"))
        finally:
            server.stop()
        plain: list[tuple[float, dict[str, int], float | None]] = []
        recorded: list[tuple[float, dict[str, int], float | None]] = []
        for run in range(args.apply_runs):  # alternated, each on a fresh empty roster
            for journal, into in ((False, plain), (True, recorded)):
                fresh = Server(tmp / f"empty{run}{journal}.db", tmp)
                try:
                    creates = tmp / f"creates{run}{journal}.csv"
                    new_users_file(creates, rows, f"a{run}{int(journal)}")
                    into.append(asyncio.run(time_apply(fresh.url, creates, journal)))
                finally:
                    fresh.stop()
        if recorded:
            base = statistics.median(a[0] for a in plain)
            with_journal = statistics.median(a[0] for a in recorded)
            undo = statistics.median(a[2] or 0.0 for a in recorded)
            counts = recorded[0][1]
            results.append((f"apply {rows:,} creates (/Bulk), not recorded", f"{base:.1f} s",
                            f"{plain[0][1]['ok']} ok, {plain[0][1]['failed']} failed"))
            results.append((f"apply {rows:,} creates (/Bulk), recorded as a change", f"{with_journal:.1f} s",
                            f"{with_journal / base:.2f}x not recorded; {counts['ok']} ok, {counts['failed']} failed"))
            results.append((f"undo of that change (plan + apply {rows:,} deletes)", f"{undo:.1f} s",
                            f"{undo / with_journal:.2f}x the apply"))
    print(f"\n| importer, {args.runs} runs (apply {args.apply_runs}), medians | time | notes |")
    print("|---|---|---|")
    for name, value, note in results:
        print(f"| {name} | {value} | {note} |")


if __name__ == "__main__":
    main()
