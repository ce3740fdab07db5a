"""Console speed: the roster console (paged ScrollView) against Textual's stock DataTable loaded with every row.

    .venv/bin/python benchmarks/tui.py                 # 1,000,000 users; DataTable baseline with 100,000 rows
    .venv/bin/python benchmarks/tui.py --users 20000 --baseline-rows 5000   # a quick run

Seeded databases are cached as /tmp/roster-tui-bench-<N>.db. Each case runs in a fresh process (peak RSS is
per process). Latency is measured as MEASURING.md says: a key is sent through the driver
(``events.Key``) and timed to the next frame, rendered to segments (as a real terminal would get it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from roster_tui.api.connect import open_client
from roster_tui.config import ApiSettings
from roster_tui.core.scim import FIELD_PATHS, user_from_scim
from roster_tui.tui.app import create_app
from roster_tui.tui.widgets.roster_table import COLUMNS, RosterTable

SIZE = (160, 50)


def seeded_db(users: int) -> Path:
    db = Path(f"/tmp/roster-tui-bench-{users}.db")
    if not db.exists():
        from roster_tui.server.seed import generate
        from roster_tui.server.storage.sql import SqlStorage

        print(f"seeding {users:,} users into {db} (cached for next runs)…", file=sys.stderr)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        storage = SqlStorage(str(partial))
        storage.bulk_load(generate(users, 1))
        storage.close()
        partial.rename(db)
    return db


class FrameClock:
    """Wraps ``app._display`` to render each frame to segments and note when it was produced."""

    def __init__(self, app: App[Any]) -> None:
        self.frames = 0
        self.bytes = 0
        self.last = 0.0
        self._event = asyncio.Event()
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or not hasattr(renderable, "render_segments"):
                return
            self.bytes += len(renderable.render_segments(app.console))
            self.frames += 1
            self.last = time.perf_counter()
            self._event.set()

        app._display = display  # type: ignore[method-assign]

    async def next_frame(self, timeout: float = 5.0) -> float:
        self._event.clear()
        await asyncio.wait_for(self._event.wait(), timeout)
        return self.last


async def wait_until(condition: Any, timeout: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.002)


async def key_latency(app: App[Any], clock: FrameClock, key: str, presses: int,
                      ready: Any = lambda: True) -> dict[str, float]:
    """Send ``key`` ``presses`` times; per key, the wall time to the next frame and the CPU time."""
    walls, cpus = [], []
    for _ in range(presses):
        await wait_until(ready)
        await asyncio.sleep(0.005)
        cpu0, t0 = time.process_time(), time.perf_counter()
        app._driver.send_message(events.Key(key, None))  # type: ignore[union-attr]
        t1 = await clock.next_frame()
        walls.append((t1 - t0) * 1000)
        cpus.append((time.process_time() - cpu0) * 1000)
    walls.sort()
    return {"p50": statistics.median(walls), "p95": walls[int(len(walls) * 0.95) - 1],
            "cpu": statistics.mean(cpus)}


async def run_ours(db: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    async with open_client(ApiSettings(None, None, str(db))) as client:
        app = create_app(client, source=str(db))
        async with app.run_test(size=SIZE) as pilot:
            clock = FrameClock(app)
            table = app.screen.query_one(RosterTable) if app.screen.query(RosterTable) else None
            await wait_until(lambda: bool(app.screen.query(RosterTable)))
            table = app.screen.query_one(RosterTable)
            await wait_until(lambda: table.user_at(0) is not None)
            await clock.next_frame()
            first_rows = time.perf_counter() - t0
            loaded = lambda: table.cursor_user is not None  # noqa: E731
            down = await key_latency(app, clock, "down", 200, loaded)
            pagedown = await key_latency(app, clock, "pagedown", 50, loaded)
            screen: Any = app.screen
            t1 = time.perf_counter()
            screen._apply_search("smith")
            await wait_until(lambda: table.total is not None and table.user_at(0) is not None)
            await clock.next_frame()
            search = time.perf_counter() - t1
            total = table.total
            await pilot.pause()
    return {"first_rows": first_rows, "down": down, "pagedown": pagedown, "search": search,
            "search_hits": total, "frames": clock.frames}


class StockTable(App[None]):
    """Textual's DataTable with every row added up front."""

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable(id="t")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*(c.label for c in COLUMNS))
        table.add_rows(self.rows)
        table.focus()


async def run_datatable(db: Path, rows: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    async with open_client(ApiSettings(None, None, str(db))) as client:
        data: list[tuple[str, ...]] = []
        async for page in client.iter_pages(sort_by=FIELD_PATHS["last_name"], page_size=1000):
            data.extend(tuple(c.value(user_from_scim(r)) for c in COLUMNS) for r in page.resources)
            if len(data) >= rows:
                break
        data = data[:rows]
        app = StockTable(data)
        async with app.run_test(size=SIZE) as pilot:
            clock = FrameClock(app)
            await clock.next_frame(600)
            first_rows = time.perf_counter() - t0
            down = await key_latency(app, clock, "down", 200)
            pagedown = await key_latency(app, clock, "pagedown", 50)
            table = app.query_one(DataTable)
            t1 = time.perf_counter()  # the stock way to filter: rebuild with the matching rows
            table.clear()
            table.add_rows([r for r in data if "smith" in (r[0] + r[1]).lower()])
            await clock.next_frame()
            search = time.perf_counter() - t1
            await pilot.pause()
    return {"first_rows": first_rows, "down": down, "pagedown": pagedown, "search": search,
            "frames": clock.frames}


def child(case: str, db: Path, rows: int) -> None:
    result = asyncio.run(run_ours(db) if case == "ours" else run_datatable(db, rows))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000, help="roster size for the console")
    parser.add_argument("--baseline-rows", type=int, default=100_000, help="rows in the stock DataTable")
    parser.add_argument("--runs", type=int, default=1, help="fresh runs per case (medians reported)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--case", choices=("ours", "datatable"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        child(args.case, Path(args.db), args.baseline_rows)
        return
    db = seeded_db(args.users)
    cases = [("roster console (ScrollView, paged)", "ours", args.users)]
    if not args.skip_baseline:
        cases.append(("stock DataTable, all rows", "datatable", args.baseline_rows))
    print("| approach | rows | first rows (s) | down p50/p95 (ms) | pagedown p50/p95 (ms) | CPU/key down, "
          "pagedown (ms) | search (ms) | peak RSS (MB) |\n|---|---|---|---|---|---|---|---|")
    for label, case, rows in cases:
        results = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--case", case, "--db", str(db),
                                  "--baseline-rows", str(args.baseline_rows)],
                                 capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))

        def med(*path: str, _results: list[dict[str, Any]] = results) -> float:
            values = []
            for r in _results:
                v: Any = r
                for p in path:
                    v = v[p]
                values.append(v)
            return statistics.median(values)

        print(f"| {label} | {rows:,} | {med('first_rows'):.2f} | {med('down', 'p50'):.1f} / "
              f"{med('down', 'p95'):.1f} | {med('pagedown', 'p50'):.1f} / {med('pagedown', 'p95'):.1f} | "
              f"{med('down', 'cpu'):.1f}, {med('pagedown', 'cpu'):.1f} | {med('search') * 1000:.0f} | "
              f"{med('peak_rss_mb'):.0f} |")


if __name__ == "__main__":
    main()
