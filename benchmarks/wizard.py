"""Import wizard latency: does the UI answer keys while a 100,000-row file is read, checked, planned, applied?

    .venv/bin/python benchmarks/wizard.py                    # 100,000 rows against a 20,000-user roster
    .venv/bin/python benchmarks/wizard.py --rows 20000 --keys 40   # a quick run

The file: every roster user with a new title (updates), the rest new hires (creates), 2% rows with a bad
email (errors). A ``roster serve`` process serves a copy of the cached seeded roster over loopback.
Per step, keys are sent through the driver while that step's work runs in workers, and timed to the next
frame rendered to segments (docs/PERFORMANCE.md). Steps: file (the file re-read and counted in a thread, keys typed
in the path), mapping (cursor keys), validation (reading, roster crawl and planning in workers; ``/`` and
``enter`` move the focus to the search line and back), preview (the plan rebuilt in workers; cursor keys over 80k rows),
apply (bulk writes in an async worker; ``?`` toggles the help panel), and the same ``?`` with nothing running
(idle_help: the baseline). Prints p50/p95/max per step.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from textual import events  # noqa: E402

from benchmarks.common import TOKEN, seeded_db, start_roster, stop  # noqa: E402
from benchmarks.tui import FrameClock, wait_until  # noqa: E402
from roster_tui.config import ApiSettings  # noqa: E402
from roster_tui.connect import open_client  # noqa: E402
from roster_tui.server.seed import generate  # noqa: E402
from roster_tui.tui.app import create_app  # noqa: E402

SIZE = (160, 50)


def write_file(path: Path, rows: int, roster: int) -> None:
    """``rows`` rows: the roster's users retitled, then new hires; every 50th row a bad email."""
    emails = [json.loads(u["doc"])["userName"] for u in generate(roster, 7)]
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("Email,First Name,Last Name,Title,Department,Hire Date\r\n")
        for n in range(rows):
            if n % 50 == 49:
                f.write(f"broken{n}@,Bad,Row{n},Title,Dept,2024-01-01\r\n")
            elif n < len(emails):
                f.write(f"{emails[n]},,,Retitled {n % 97},,\r\n")
            else:
                f.write(f"hire{n:07d}@bench.example,Hire,Number{n},Engineer,Engineering,2024-02-01\r\n")


async def sample(app: Any, clock: FrameClock, keys: list[str] | Callable[[], str], count: int,
                 while_: Callable[[], bool] = lambda: True, keep_busy: Callable[[], None] | None = None,
                 ) -> list[float]:
    """Up to ``count`` key -> next frame times (ms), cycling through ``keys``, while ``while_()`` holds."""
    out: list[float] = []
    n = misses = 0
    while len(out) < count and while_() and misses < 5:
        if keep_busy is not None:
            keep_busy()
        await asyncio.sleep(0.02 + 0.01 * (n % 3))  # a person's pace, not in step with the frames
        t0 = time.perf_counter()
        key = keys() if callable(keys) else keys[n % len(keys)]
        app._driver.send_message(events.Key(key, None))
        n += 1
        try:
            t1 = await clock.frame_showing(lambda: True, timeout=5)  # the next frame drawn
        except TimeoutError:
            misses += 1  # the key changed nothing on screen
            continue
        out.append((t1 - t0) * 1000)
    return out


def log(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(ordered), "p50": statistics.median(ordered),
            "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)], "max": ordered[-1]}


async def run(url: str, path: Path, keys: int) -> dict[str, Any]:
    from roster_tui.tui.screens.wizard_apply import ApplyStep, ResultStep
    from roster_tui.tui.screens.wizard_file import FileStep
    from roster_tui.tui.screens.wizard_mapping import MappingStep
    from roster_tui.tui.screens.wizard_preview import PreviewStep
    from roster_tui.tui.screens.wizard_validation import ValidationStep

    results: dict[str, Any] = {}
    async with open_client(ApiSettings(url, TOKEN, "")) as client:
        app = create_app(client, source=url)
        async with app.run_test(size=SIZE) as pilot:
            clock = FrameClock(app)
            await wait_until(lambda: app.screen.id == "roster")
            await pilot.pause(0.5)
            log("roster up")
            await pilot.press("i")
            await wait_until(lambda: isinstance(app.screen, FileStep))
            step: Any = app.screen
            busy = lambda: any(w.is_running for w in step.workers)  # noqa: E731

            def reopen() -> None:
                if not busy():
                    step.open_path(str(path))

            t0 = time.perf_counter()
            step.open_path(str(path))
            await wait_until(lambda: "rows  ·" in str(step.query_one("#file-info").render()))
            log("file open")
            results["file_open_s"] = time.perf_counter() - t0
            results["file"] = stats(await sample(app, clock, ["x", "backspace"], keys, keep_busy=reopen))
            await wait_until(lambda: not busy())
            step.action_next()
            await wait_until(lambda: isinstance(app.screen, MappingStep))
            await pilot.pause(0.2)
            results["mapping"] = stats(await sample(app, clock, ["down", "up"], keys))
            t0 = time.perf_counter()
            app.screen.action_next()
            await wait_until(lambda: isinstance(app.screen, ValidationStep))
            step = app.screen
            results["validation"] = stats(await sample(app, clock, ["slash", "enter"], keys,
                                                       while_=lambda: not step.ready))
            await wait_until(lambda: step.ready)
            log("planned")
            results["plan_s"] = time.perf_counter() - t0
            results["validation_after"] = stats(await sample(app, clock, ["f"], keys // 2))
            summary = step.state.plan.summary()
            results["summary"] = summary
            log("validation sampled")
            if step.query_one("#validation-search").has_focus:
                step.action_next()  # the last timed key left the focus in the search line: back to the table
                await pilot.pause(0.1)
            step.action_next()
            await wait_until(lambda: app.screen is not step, timeout=30)
            if not isinstance(app.screen, PreviewStep):
                await pilot.press("y")  # go on without the invalid rows
            await wait_until(lambda: isinstance(app.screen, PreviewStep) and bool(app.screen.groups))
            step = app.screen
            step.kind = max(step.groups, key=lambda k: len(step.groups[k]))
            step._show()
            view = step.query_one("LinesView")

            def replan() -> None:
                if not any(w.is_running for w in step.workers):
                    step._replan()

            results["preview"] = stats(await sample(app, clock, lambda: "up" if view.cursor else "down", keys,
                                                      keep_busy=replan))
            log("preview sampled")
            await wait_until(lambda: bool(step.groups), timeout=600)
            await pilot.pause(0.2)
            step.action_apply()
            await wait_until(lambda: app.screen is not step, timeout=30)
            t0 = time.perf_counter()
            await pilot.press("y")
            await wait_until(lambda: isinstance(app.screen, ApplyStep))
            results["apply"] = stats(await sample(app, clock, ["question_mark"], keys,
                                                  while_=lambda: isinstance(app.screen, ApplyStep)))
            log("apply sampled")
            if isinstance(app.screen, ApplyStep):
                app.screen.action_cancel()
            await wait_until(lambda: isinstance(app.screen, ResultStep), timeout=600)
            applied = app.screen.state.applied
            log("applied")
            results["apply_written"] = len(applied.outcomes)
            await pilot.pause(0.5)
            results["idle_help"] = stats(await sample(app, clock, ["question_mark"], keys // 2))
            results["apply_s"] = time.perf_counter() - t0
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--roster", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=100, help="keys timed per step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "roster.db"
        shutil.copy(seeded_db(args.roster), db)
        path = Path(tmp) / "import.csv"
        write_file(path, args.rows, args.roster)
        url, proc = start_roster(db)
        try:
            results = asyncio.run(run(url, path, args.keys))
        finally:
            stop(proc)
    print(f"\n{args.rows:,} rows against {args.roster:,} users, {SIZE[0]}x{SIZE[1]}; "
          f"file opened in {results['file_open_s']:.2f} s, planned in {results['plan_s']:.1f} s, "
          f"{results['apply_written']:,} written in {results['apply_s']:.1f} s before the cancel")
    print(f"plan: {results['summary']}")
    print("\n| step (work running meanwhile) | keys | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    for name in ("file", "mapping", "validation", "validation_after", "preview", "apply", "idle_help"):
        s = results[name]
        if s.get("n"):
            print(f"| {name} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f} |")
        else:
            print(f"| {name} | 0 | - | - | - |")


if __name__ == "__main__":
    main()
