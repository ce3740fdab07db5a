"""Start-up against VisiData: the installed ``roster --api URL`` in tmux to its first user rows on screen, and
VisiData (``vd``) opening the same roster exported as CSV, timed the same way in the same run.

    .venv/bin/python benchmarks/startup.py                  # 1,000,000 users, 5 alternating runs of each
    .venv/bin/python benchmarks/startup.py --users 20000 --runs 3   # a quick run

VisiData is not a dependency of the project; install it yourself (``.venv/bin/pip install visidata``): without
``vd`` the script says so and exits 2. ``roster serve`` serves a copy of the cached seeded roster
(``benchmarks/common.seeded_db``); the roster is exported once with ``roster export -o`` to a CSV file cached
beside the database. Each run launches ``tmux new-session -d -x 160 -y 50 CMD`` on a private tmux server (already
running, so its start is not counted) and polls ``capture-pane -p`` about every 10 ms until a marker shows: for
the console an employee ID of the first users by family name (asked of the API first), for VisiData the employee ID
of the first CSV data row. The console's first rows are painted before Textual is up (roster_tui.tui.first_frame),
so it is timed twice: to the first rows, and to the console ready for keys (its own first frame: the first capture
with a background colour, which the painted rows have none of). The two alternate, the session is killed between
runs. The roster_tui package that
``roster`` imports is byte-compiled first, as ``pip install`` does (VisiData's was when it was installed): an
editable install run with PYTHONDONTWRITEBYTECODE would compile every module of the console at each start.
Prints medians, min and max, the ratio roster/VisiData, and ``python -X importtime`` figures (roster_tui.tui.app,
textual) as context.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.common import TOKEN, free_port, seeded_db, stop, wait_up  # noqa: E402

BIN = Path(sys.executable).parent
TMUX = [shutil.which("tmux") or "/usr/bin/tmux", "-L", f"roster-startup-{os.getpid()}"]
#: What the console's own first frame shows and the first rows painted before it do not: a background colour
#: (the painted rows have none; with NO_COLOR unset, Textual paints every cell's background).
READY = "\x1b[48;"
CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
NO_VD = "VisiData (vd) is not installed; it is not a dependency of roster-tui. Install it with:\n" \
        "    .venv/bin/pip install visidata"


def tmux_env() -> dict[str, str]:
    """The environment for tmux, less COLUMNS and LINES (pytest-xdist sets them; they would fix the app's size)."""
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


def tmux(*args: str) -> str:
    return subprocess.run([*TMUX, *args], check=True, capture_output=True, text=True, env=tmux_env()).stdout


def first_rows(command: str, stages: list[list[str]], size: tuple[int, int], env: dict[str, str],
               timeout: float, name: str) -> list[float]:
    """Seconds from launching ``command`` in a new detached session to the first capture showing one of the
    markers of each stage: text, or (starting with ESC) a terminal code."""
    extra = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    seen: list[float | None] = [None] * len(stages)
    started = time.perf_counter()
    subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), *extra,
                    command], check=True, env=tmux_env())
    try:
        while True:
            raw = subprocess.run([*TMUX, "capture-pane", "-t", name, "-p", "-e"], capture_output=True,
                                 text=True, env=tmux_env()).stdout
            now = time.perf_counter() - started
            screen = CODES.sub("", raw)
            for i, markers in enumerate(stages):
                if seen[i] is None and any((raw if m.startswith("\x1b") else screen).count(m) for m in markers):
                    seen[i] = now
            if all(t is not None for t in seen):
                return [t for t in seen if t is not None]
            if now > timeout:
                raise TimeoutError(f"{command}: no {stages} after {timeout:.0f} s; the screen:\n{screen}")
            time.sleep(0.01)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", name], capture_output=True)


def serve(db: Path, timeout: float = 900) -> tuple[str, subprocess.Popen[bytes]]:
    """``roster serve`` on ``db`` (as ``common.start_roster``, but waiting long enough for it to upgrade the
    schema of an older seeded file: about a minute at 1,000,000 users)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "serve", "--port", str(port), "--db", str(db)],
                            env={**os.environ, "ROSTER_API_TOKEN": TOKEN}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/scim/v2"
    wait_up(url, proc, timeout)
    return url, proc


def first_users(url: str, count: int = 5) -> list[str]:
    """Employee IDs of the first ``count`` users by family name: the console's first page."""
    response = httpx.get(url + "/Users", params={"sortBy": "name.familyName", "sortOrder": "ascending",
                                                 "count": count}, headers={"Authorization": f"Bearer {TOKEN}"},
                         timeout=120)
    response.raise_for_status()
    ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ids = [u.get(ext, {}).get("employeeNumber") for u in response.json()["Resources"]]
    return [i for i in ids if i]


def exported_csv(db: Path, url: str) -> Path:
    """The roster exported with ``roster export -o``, cached beside its database."""
    path = db.with_suffix(".csv")
    if not path.exists():
        partial = path.with_suffix(".partial.csv")
        started = time.perf_counter()
        subprocess.run([str(BIN / "roster"), "--api", url, "export", "-o", str(partial)], check=True,
                       env={**os.environ, "ROSTER_API_TOKEN": TOKEN})
        partial.rename(path)
        print(f"  exported to {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def csv_marker(path: Path) -> str:
    """The employee ID of the first data row (VisiData shows it whole in its second column)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.DictReader(f))["Employee ID"]


def byte_compiled() -> Path:
    """Byte-compile the roster_tui package that ``roster`` imports (the same sys.path as this script's) in place;
    its directory."""
    spec = importlib.util.find_spec("roster_tui")
    assert spec is not None and spec.submodule_search_locations
    package = Path(next(iter(spec.submodule_search_locations)))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    return package


def importtime(module: str) -> dict[str, float]:
    """``python -X importtime -c 'import MODULE'``: the cumulative import time (s) of the module, and of textual
    (every textual module imported outside another one, with what it imports that was not loaded yet)."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                         text=True, check=True).stderr
    entries = [(len(m[2]), m[3], int(m[1]) / 1e6) for m in
               re.finditer(r"^import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", err, re.M)]
    out = {module: 0.0, "textual": 0.0}
    ancestors: list[tuple[int, str]] = []
    for depth, name, cumulative in reversed(entries):  # reversed, a parent comes before what it imported
        while ancestors and ancestors[-1][0] >= depth:
            ancestors.pop()
        if name == module:
            out[module] = cumulative
        if name.split(".")[0] == "textual" and not any(a.split(".")[0] == "textual" for _, a in ancestors):
            out["textual"] += cumulative
        ancestors.append((depth, name))
    return out


def stats(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each, alternating (default 5)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for first rows")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between runs (the killed one exits)")
    parser.add_argument("--db", type=Path, help="serve this SQLite file as it is (one the service may write to, "
                        "e.g. a copy kept from an earlier run); default: a fresh copy of the cached seeded roster")
    args = parser.parse_args()
    vd = BIN / "vd" if (BIN / "vd").exists() else shutil.which("vd")
    if vd is None:
        print(NO_VD, file=sys.stderr)
        return 2
    roster = BIN / "roster"
    if not roster.exists():
        print(f"{roster} not found: install the project into the venv (pip install -e .)", file=sys.stderr)
        return 2
    size = (160, 50)
    print(f"  byte-compiled {byte_compiled()}", file=sys.stderr)
    db = seeded_db(args.users)
    with tempfile.TemporaryDirectory(prefix="roster-startup-") as tmp:
        served = args.db
        if served is None:
            served = Path(tmp) / "roster.db"
            shutil.copy(db, served)  # `roster serve` may write to its database (upgrades): never the cached one
        started = time.perf_counter()
        url, server = serve(served)
        print(f"  roster serve up in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        try:
            ids = first_users(url)
            table = exported_csv(db, url)
            marker = csv_marker(table)
            print(f"roster markers (first by family name): {ids}; VisiData marker: {marker!r} ({table})",
                  file=sys.stderr)
            tmux("new-session", "-d", "-s", "keeper", "-x", "80", "-y", "24", "sleep 100000")  # the tmux server
            ours: list[float] = []
            ready: list[float] = []
            theirs: list[float] = []
            try:
                for n in range(args.runs):
                    rows, console = first_rows(f"{roster} --api {url}", [ids, [READY]], size,
                                               {"ROSTER_API_TOKEN": TOKEN}, args.timeout, f"roster{n}")
                    ours.append(rows)
                    ready.append(console)
                    time.sleep(args.pause)
                    theirs.append(first_rows(f"{vd} {table}", [[marker]], size, {}, args.timeout, f"vd{n}")[0])
                    time.sleep(args.pause)
                    print(f"  run {n + 1}: roster {ours[-1]:.2f} s (console ready {ready[-1]:.2f} s), "
                          f"VisiData {theirs[-1]:.2f} s", file=sys.stderr)
            finally:
                subprocess.run([*TMUX, "kill-server"], capture_output=True)
        finally:
            stop(server)
    load = os.getloadavg()
    print(f"\n## Start-up to first rows, {args.users:,} users, {args.runs} alternating runs, "
          f"tmux {size[0]}x{size[1]} (load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores)\n")
    print("| command | median | min | max |\n|---|---|---|---|")
    print(f"| `roster --api URL`, first rows (first employee ID) | {stats(ours)} |")
    print(f"| `roster --api URL`, console ready (its own first frame, in colour) | {stats(ready)} |")
    print(f"| `vd roster.csv` (first CSV row) | {stats(theirs)} |")
    vd_median = statistics.median(theirs)
    print(f"\nratio roster/VisiData (medians): first rows {statistics.median(ours) / vd_median:.2f}, "
          f"console ready {statistics.median(ready) / vd_median:.2f}")
    print("\n## Import time (python -X importtime, median of 3)\n")
    print("| import | cumulative |\n|---|---|")
    for module in ("roster_tui.tui.app", "roster_tui.cli.console_cmd"):
        runs = [importtime(module) for _ in range(3)]
        print(f"| `import {module}` | {statistics.median(r[module] for r in runs):.3f} s |")
        print(f"| of it, textual | {statistics.median(r['textual'] for r in runs):.3f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
