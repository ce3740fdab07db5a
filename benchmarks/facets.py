"""Values with counts (the frequency view) at a million users: the service's ``GET /Users/.values`` over HTTP, and
the console's `d` from the key to the view showing the counted departments.

    .venv/bin/python benchmarks/facets.py                  # 1,000,000 users (seeded once, cached)
    .venv/bin/python benchmarks/facets.py --users 20000    # a quick run

The service is a ``roster serve`` process on the seeded SQLite file (benchmarks/common.py); each attribute is
asked ``--runs`` times after one untimed request, and the median and the slowest are printed. The console is the
embedded service in-process (as ``roster`` on a local database): the time from pressing `d` to the view holding
its counts in its list, median of ``--runs`` openings (each a fresh count: nothing is cached).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx
from textual import events

from benchmarks.common import TOKEN, median, seeded_db, start_roster, stop, timed
from roster_tui.config import ApiSettings
from roster_tui.connect import open_client
from roster_tui.core.facets import FACETS
from roster_tui.tui.app import create_app
from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.roster import RosterScreen


def service(db: str, runs: int) -> None:
    url, proc = start_roster(db)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as http:
            def ask(attribute: str, flt: str | None = None) -> dict[str, object]:
                response = http.get("/Users/.values", params={"attribute": attribute, "filter": flt})
                response.raise_for_status()
                return response.json()

            for attribute, flt in ((name, None) for name in FACETS):
                first = timed(lambda a=attribute, f=flt: ask(a, f), 1)[0]
                times = timed(lambda a=attribute, f=flt: ask(a, f), runs)
                body = ask(attribute, flt)
                print(f"  service {attribute:<10} {body['totalValues']:>6,} values  first {first * 1000:7.1f} ms  "
                      f"median {median(times) * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms")
            scoped = "active eq true"
            times = timed(lambda: ask("department", scoped), runs)
            print(f"  service department among '{scoped}': median {median(times) * 1000:7.1f} ms")
    finally:
        stop(proc)


async def console(db: str, runs: int) -> list[float]:
    """Seconds from `d` to the frequency view showing its counts, per opening."""
    out = []
    async with open_client(ApiSettings(None, None, db)) as client:
        app = create_app(client, source=db)
        async with app.run_test(size=(80, 24)) as pilot:
            while not (isinstance(app.screen, RosterScreen) and app.screen.table.total):
                await pilot.pause(0.01)
            for _ in range(runs):
                started = time.perf_counter()
                app.post_message(events.Key("d", "d"))  # as the driver sends it (Pilot.press also waits for idle)
                while not (isinstance(app.screen, FrequencyScreen) and app.screen.counts is not None
                           and app.screen.option_list.option_count):
                    await asyncio.sleep(0.001)
                out.append(time.perf_counter() - started)  # the lines are in the list: the next frame shows them
                await pilot.press("escape")
                while not isinstance(app.screen, RosterScreen):
                    await pilot.pause(0.01)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    db = str(seeded_db(args.users))
    print(f"values with counts, {args.users:,} users (SQLite {db})")
    service(db, args.runs)
    times = asyncio.run(console(db, args.runs))
    print(f"  console d → department view shown: first {times[0] * 1000:.0f} ms, median {median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms (target < 300 ms)")


if __name__ == "__main__":
    main()
