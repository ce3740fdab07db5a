"""Console speed: the roster console (paged ScrollView) against Textual's stock DataTable loaded with every row.

    .venv/bin/python benchmarks/tui.py                 # 1,000,000 users; DataTable baseline with 100,000 rows
    .venv/bin/python benchmarks/tui.py --users 20000 --baseline-rows 5000   # a quick run

Seeded databases are cached as /tmp/roster-tui-bench-<N>.db. Each case runs in a fresh process (peak RSS is
per process); the default run measures both cases, ``--runs`` times each, and prints medians side by side with
their ratio. Latency is measured as docs/PERFORMANCE.md says: a key is sent through the driver (``events.Key``) and
timed to the first frame, rendered to segments (as a real terminal would get it), that shows its effect (the
cursor moved): a frame that was already due when the key came does not count. "CPU to frame" is the process CPU
from the key to that frame; "CPU/key all" is the process CPU of the whole series divided by the presses, so it
also counts what a key set off after its frame (page fetches, the service's thread).
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

from roster_tui.config import ApiSettings
from roster_tui.connect import open_client
from roster_tui.core.scim import FIELD_PATHS, user_from_scim
from roster_tui.tui.app import create_app
from roster_tui.tui.roster_layout import COLUMNS
from roster_tui.tui.widgets.roster_table import RosterTable

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
        self._shows: Any = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or not hasattr(renderable, "render_segments"):
                return
            self.bytes += len(renderable.render_segments(app.console))
            self.frames += 1
            if self._shows is None or self._shows():  # the state this frame was drawn from
                self.last = time.perf_counter()
                self._event.set()

        app._display = display  # type: ignore[method-assign]

    async def frame_showing(self, shows: Any, timeout: float = 5.0) -> float:
        """When the first frame drawn once ``shows()`` is true came out (frames drawn before it do not count)."""
        self._event.clear()
        self._shows = shows
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        finally:
            self._shows = None
        return self.last


async def wait_until(condition: Any, timeout: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.002)


async def key_latency(
    app: App[Any], clock: FrameClock, key: str, presses: int, cursor: Any, ready: Any = lambda: True
) -> dict[str, float]:
    """Send ``key`` ``presses`` times (each once the cursor's row is loaded, plus 5 ms); per key, the wall time
    to the first frame showing the cursor moved and the CPU time to it; and the CPU of the whole series."""
    walls, cpus = [], []
    series_cpu = time.process_time()
    for _ in range(presses):
        await wait_until(ready)
        await asyncio.sleep(0.005)
        before = cursor()
        cpu0, t0 = time.process_time(), time.perf_counter()
        app._driver.send_message(events.Key(key, None))  # type: ignore[union-attr]
        t1 = await clock.frame_showing(lambda before=before: cursor() != before)
        walls.append((t1 - t0) * 1000)
        cpus.append((time.process_time() - cpu0) * 1000)
    await wait_until(ready)
    series_cpu = time.process_time() - series_cpu
    walls.sort()
    return {
        "p50": statistics.median(walls),
        "p95": walls[int(len(walls) * 0.95) - 1],
        "max": walls[-1],
        "cpu": statistics.mean(cpus),
        "cpu_all": series_cpu * 1000 / presses,
    }


async def run_ours(db: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    async with open_client(ApiSettings(None, None, str(db))) as client:
        app = create_app(client, source=str(db))
        async with app.run_test(size=SIZE) as pilot:
            clock = FrameClock(app)
            await wait_until(lambda: bool(app.screen.query(RosterTable)))
            table = app.screen.query_one(RosterTable)
            first_rows = await clock.frame_showing(lambda: table.user_at(0) is not None, 600) - t0
            loaded = lambda: table.cursor_user is not None  # noqa: E731
            cursor = lambda: table.cursor_row  # noqa: E731
            down = await key_latency(app, clock, "down", 200, cursor, loaded)
            pagedown = await key_latency(app, clock, "pagedown", 50, cursor, loaded)
            screen: Any = app.screen
            t1 = time.perf_counter()
            screen._apply_search("smith")
            search = (
                await clock.frame_showing(
                    lambda: table.query_in_effect.search == "smith" and table.user_at(0) is not None, 60
                )
                - t1
            )
            total = table.total
            await pilot.pause()
    return {
        "first_rows": first_rows,
        "down": down,
        "pagedown": pagedown,
        "search": search,
        "search_hits": total,
        "frames": clock.frames,
    }


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
            first_rows = (
                await clock.frame_showing(lambda: app.query(DataTable) and app.query_one(DataTable).row_count, 600) - t0
            )
            table = app.query_one(DataTable)
            cursor = lambda: table.cursor_row  # noqa: E731
            down = await key_latency(app, clock, "down", 200, cursor)
            pagedown = await key_latency(app, clock, "pagedown", 50, cursor)
            t1 = time.perf_counter()  # the stock way to filter: rebuild with the matching rows
            table.clear()
            table.add_rows([r for r in data if "smith" in (r[0] + r[1]).lower()])
            search = await clock.frame_showing(lambda: True, 60) - t1
            await pilot.pause()
    return {"first_rows": first_rows, "down": down, "pagedown": pagedown, "search": search, "frames": clock.frames}


def child(case: str, db: Path, rows: int) -> None:
    result = asyncio.run(run_ours(db) if case == "ours" else run_datatable(db, rows))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


METRICS = (
    "first_rows",
    "search",
    "peak_rss_mb",
    *(f"{key}.{m}" for key in ("down", "pagedown") for m in ("p50", "p95", "max", "cpu", "cpu_all")),
)


def _pick(result: dict[str, Any], name: str) -> float:
    value: Any = result
    for part in name.split("."):
        value = value[part]
    return float(value)


def _runs(results: list[dict[str, Any]], name: str) -> str:
    return ", ".join(f"{_pick(r, name):.0f}" if _pick(r, name) >= 10 else f"{_pick(r, name):.1f}" for r in results)


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
    medians: list[dict[str, float]] = []
    spreads: list[str] = []
    for label, case, _rows in cases:
        results = []
        for run in range(args.runs):
            print(f"{label}: run {run + 1} of {args.runs}…", file=sys.stderr)
            out = subprocess.run(
                [sys.executable, __file__, "--case", case, "--db", str(db), "--baseline-rows", str(args.baseline_rows)],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        medians.append({name: statistics.median(_pick(r, name) for r in results) for name in METRICS})
        spreads.append(
            f"{label}: p95 per run, down {_runs(results, 'down.p95')} ms, pagedown "
            f"{_runs(results, 'pagedown.p95')} ms; worst key {_runs(results, 'down.max')} / "
            f"{_runs(results, 'pagedown.max')} ms; CPU to frame per run {_runs(results, 'down.cpu')} / "
            f"{_runs(results, 'pagedown.cpu')} ms"
        )
    print(
        "| approach | rows | first rows (s) | down p50 / p95 (ms) | pagedown p50 / p95 (ms) | CPU to frame, down / "
        "pagedown (ms) | CPU/key all, down / pagedown (ms) | search (ms) | peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (label, _case, rows), m in zip(cases, medians, strict=True):
        print(
            f"| {label} | {rows:,} | {m['first_rows']:.2f} | {m['down.p50']:.1f} / {m['down.p95']:.1f} | "
            f"{m['pagedown.p50']:.1f} / {m['pagedown.p95']:.1f} | {m['down.cpu']:.1f} / {m['pagedown.cpu']:.1f} | "
            f"{m['down.cpu_all']:.1f} / {m['pagedown.cpu_all']:.1f} | {m['search'] * 1000:.0f} | "
            f"{m['peak_rss_mb']:.0f} |"
        )
    if len(medians) == 2:
        ours, base = medians

        def x(name: str) -> str:
            return f"{base[name] / ours[name]:.1f}×" if ours[name] else "–"

        print(
            f"| DataTable ÷ console (higher: console better) | | {x('first_rows')} | {x('down.p50')} / "
            f"{x('down.p95')} | {x('pagedown.p50')} / {x('pagedown.p95')} | {x('down.cpu')} / {x('pagedown.cpu')} | "
            f"{x('down.cpu_all')} / {x('pagedown.cpu_all')} | {x('search')} | {x('peak_rss_mb')} |"
        )
    print()
    for line in spreads:
        print(f"- {line}")


if __name__ == "__main__":
    main()
