"""What the service's guards cost: parsing the longest filter allowed, reading a request body with the duplicate-key
check, and checking a SQLite file when the storage opens it (``PRAGMA quick_check``).

Usage: python benchmarks/limits.py [--db FILE ...]
The files are opened read-only (never migrated); by default the seeded benchmark files in $ROSTER_BENCH_CACHE
(/tmp/roster-bench) and /tmp/roster-tui-bench-1000000.db, where present. The first check of a file reads it from
disk if it is not cached; the next ones from memory: both are printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import CACHE
from roster_tui.core.scim import BULK_REQUEST, CORE_USER
from roster_tui.server.filters import MAX_COMPARISONS, parse_filter
from roster_tui.server.http import parse_json
from roster_tui.server.storage import sqlite_file
from roster_tui.server.storage.faults import translate_errors


def timed(fn: object, repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - started)
    return sorted(runs)[len(runs) // 2]


def filters() -> None:
    text = " and ".join(f'userName eq "{"x" * 40}"' for _ in range(MAX_COMPARISONS))
    print(f"| longest filter allowed ({len(text)} chars, {MAX_COMPARISONS} comparisons), parse | "
          f"{timed(lambda: parse_filter(text), 200) * 1000:.2f} ms |")


def bodies() -> None:
    user = {"schemas": [CORE_USER], "userName": "ada@example.com", "title": "x" * 100,
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": True}]}
    bulk = orjson.dumps({"schemas": [BULK_REQUEST], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": f"b{i}", "data": user} for i in range(1000)]})
    label = f"/Bulk of 1,000 creates ({len(bulk) // 1024} KB)"
    print(f"| {label}, orjson alone | {timed(lambda: orjson.loads(bulk), 50) * 1000:.2f} ms |")
    print(f"| {label}, read as the service does (duplicate keys refused) | "
          f"{timed(lambda: parse_json(bulk), 50) * 1000:.2f} ms |")


def quick_check(path: Path) -> None:
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    translate_errors(engine)
    size = path.stat().st_size
    whole = "whole file" if size <= sqlite_file.QUICK_CHECK_LIMIT else "small tables only (over the limit)"
    try:
        first = timed(lambda: sqlite_file.check(engine, path), 1)
        again = timed(lambda: sqlite_file.check(engine, path), 3)
    finally:
        engine.dispose()
    print(f"| open check of {path.name} ({size / 2**20:,.0f} MiB, {whole}) | first {first:.2f} s, "
          f"then {again:.3f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", type=Path, help="a SQLite file to check (repeatable)")
    args = parser.parse_args()
    files = args.db or [p for p in (*sorted(CACHE.glob("roster-*-*.db")), Path("/tmp/roster-tui-bench-1000000.db"))
                        if p.exists()]
    print("| measurement | median |\n|---|---|")
    filters()
    bodies()
    for path in files:
        quick_check(path)


if __name__ == "__main__":
    main()
