"""Roster API speed over loopback HTTP, with scim2-server (in-memory) measured in the same run.

Usage: python benchmarks/service.py [--runs 5] [--search-users 1000000] [--skip-peer]
Prints a markdown table of medians. Seeded databases are cached in $ROSTER_BENCH_CACHE (/tmp/roster-bench).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import (
    TOKEN,
    free_port,
    median,
    seeded_db,
    seeded_postgres,
    start_roster,
    stop,
    timed,
    wait_up,
)
from roster_tui.core.scim import BULK_REQUEST, ROSTER_USER

HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def crawl(url: str, page: int = 1000, ahead: int = 0) -> int:
    """Fetch every user in pages of ``page`` and decode them; returns the count. ``ahead``: how many
    further pages are requested while one is decoded (0: strictly one request after another)."""
    from concurrent.futures import ThreadPoolExecutor

    local = __import__("threading").local()

    def get(start: int) -> bytes:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=url, headers=HEADERS, timeout=120)
        return local.http.get("/Users", params={"startIndex": start, "count": page}).content

    first = orjson.loads(get(1))
    total, seen = first["totalResults"], len(first.get("Resources", []))
    if ahead == 0:
        while seen < total:
            got = len(orjson.loads(get(1 + seen)).get("Resources", []))
            if got == 0:
                break
            seen += got
        return seen
    with ThreadPoolExecutor(ahead) as pool:  # pages are full-size here, so their startIndex is known
        for body in pool.map(get, range(1 + seen, total + 1, page)):
            seen += len(orjson.loads(body).get("Resources", []))
    return seen


def export_users(url: str) -> list[dict]:
    users = []
    with httpx.Client(base_url=url, headers=HEADERS, timeout=120) as http:
        start = 1
        while True:
            body = http.get("/Users", params={"startIndex": start, "count": 1000}).json()
            users.extend(body["Resources"])
            start += len(body["Resources"])
            if not body["Resources"] or start > body["totalResults"]:
                return users


def start_peer(users: list[dict]) -> tuple[str, subprocess.Popen[bytes], float]:
    """scim2-server in memory, loaded with the same users through /Bulk (1,000 operations a request)."""
    port = free_port()
    exe = Path(sys.executable).with_name("scim2-server")
    proc = subprocess.Popen([str(exe), "--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", TOKEN],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_up(url, proc)
    started = time.perf_counter()
    with httpx.Client(base_url=url, headers=HEADERS, timeout=300) as http:
        for i in range(0, len(users), 1000):
            ops = []
            for j, u in enumerate(users[i:i + 1000]):
                data = {k: v for k, v in u.items() if k not in ("id", "meta", ROSTER_USER)}
                data["schemas"] = [s for s in u["schemas"] if s != ROSTER_USER]
                manager = data.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {})
                manager.pop("manager", None)
                ops.append({"method": "POST", "path": "/Users", "bulkId": f"b{i + j}", "data": data})
            r = http.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": ops})
            r.raise_for_status()
    return url, proc, time.perf_counter() - started


def search_times(url: str, runs: int) -> dict[str, float]:
    out = {}
    with httpx.Client(base_url=url, headers=HEADERS, timeout=60) as http:
        for label, flt in (("familyName sw", 'name.familyName sw "smi"'), ("emails co", 'emails.value co "smith"')):
            http.get("/Users", params={"filter": flt, "count": 50})  # warm
            out[label] = median(timed(lambda flt=flt: http.get("/Users", params={"filter": flt, "count": 50}),
                                      runs))
            out[label + " total"] = http.get("/Users", params={"filter": flt, "count": 0}).json()["totalResults"]
    return out


async def creates(url: str, n: int, concurrency: int) -> float:
    from roster_tui.core.models import User
    from roster_tui.core.scim import user_to_scim
    from roster_tui.scim.client import RosterClient

    tag = os.urandom(3).hex()
    async with RosterClient(url, TOKEN) as client:
        queue = list(range(n))

        async def worker() -> None:
            while queue:
                i = queue.pop()
                await client.create_user(user_to_scim(User(email=f"new{tag}.{i}@bench.example",
                                                           first_name="New", last_name=f"Hire{i}")))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def lean_creates(url: str, n: int, concurrency: int) -> float:
    """The same creates from a thin client (http.client, keep-alive, one connection per thread): what the
    service itself sustains, without httpx's per-request cost on the same two cores."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    from roster_tui.core.models import User
    from roster_tui.core.scim import user_to_scim

    parts = urlsplit(url)
    tag = os.urandom(3).hex()
    bodies = [orjson.dumps(user_to_scim(User(email=f"lean{tag}.{i}@bench.example", first_name="Lean",
                                             last_name=f"Hire{i}"))) for i in range(n)]
    headers = {**HEADERS, "Content-Type": "application/scim+json"}
    errors: list[int] = []

    def worker(chunk: list[bytes]) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        for body in chunk:
            conn.request("POST", parts.path + "/Users", body, headers)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                errors.append(response.status)
        conn.close()

    threads = [threading.Thread(target=worker, args=(bodies[i::concurrency],)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    assert not errors, errors[:5]
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--crawl-users", type=int, default=100_000)
    parser.add_argument("--peer-users", type=int, default=20_000)
    parser.add_argument("--search-users", type=int, default=1_000_000)
    parser.add_argument("--creates", type=int, default=2_000)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--postgres", metavar="URL", help="also measure crawl and search on PostgreSQL "
                        "(a server URL; databases roster_bench_N are created and seeded once)")
    parser.add_argument("--only-postgres", action="store_true", help="skip the SQLite measurements")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []

    if args.postgres:
        rows.extend(postgres_rows(args))
    if args.only_postgres:
        print_table(rows)
        return

    # 1. Crawl 20k: ours vs scim2-server, same users.
    url, proc = start_roster(seeded_db(args.peer_users))
    try:
        ours = median(timed(lambda: crawl(url), args.runs))
        ours_ahead = median(timed(lambda: crawl(url, ahead=2), args.runs))
        if not args.skip_peer:
            users = export_users(url)
    finally:
        stop(proc)
    rows.append((f"crawl {args.peer_users:,} users, pages of 1,000, one request at a time", f"{ours:.3f} s", ""))
    rows.append((f"crawl {args.peer_users:,} users, 2 pages requested ahead", f"{ours_ahead:.3f} s", ""))
    if not args.skip_peer:
        peer_url, peer, load = start_peer(users)
        count = len(users)
        del users  # 20,000 decoded users alive would slow every later decode through the garbage collector
        try:
            assert crawl(peer_url) == count
            theirs = median(timed(lambda: crawl(peer_url), max(1, args.runs // 2)))
            theirs_ahead = median(timed(lambda: crawl(peer_url, ahead=2), max(1, args.runs // 2)))
        finally:
            stop(peer)
        rows.append((f"  scim2-server, same crawl one at a time (loaded via /Bulk in {load:.1f} s)",
                     f"{theirs:.3f} s", f"ours is {theirs / ours:.0f}x faster (target >= 20x)"))
        rows.append(("  scim2-server, 2 pages ahead", f"{theirs_ahead:.3f} s",
                     f"ours is {theirs_ahead / ours_ahead:.0f}x faster"))

    # 2. Crawl 100k.
    url, proc = start_roster(seeded_db(args.crawl_users))
    try:
        assert crawl(url) == args.crawl_users == crawl(url, ahead=2)
        big = median(timed(lambda: crawl(url), args.runs))
        big_ahead = median(timed(lambda: crawl(url, ahead=2), args.runs))
    finally:
        stop(proc)
    rows.append((f"crawl {args.crawl_users:,} users, pages of 1,000, one request at a time", f"{big:.3f} s",
                 "target < 2 s"))
    rows.append((f"crawl {args.crawl_users:,} users, 2 pages requested ahead", f"{big_ahead:.3f} s",
                 "target < 2 s"))

    # 3. Filtered search at 1M.
    url, proc = start_roster(seeded_db(args.search_users))
    try:
        found = search_times(url, max(args.runs, 10))
    finally:
        stop(proc)
    for label in ("familyName sw", "emails co"):
        rows.append((f"search `{label}` at {args.search_users:,} users ({found[label + ' total']:,} hits, "
                     "first 50 + total)", f"{found[label] * 1000:.1f} ms", "target < 100 ms"))

    # 4. Single creates into a fresh database: through RosterClient (httpx) and through a thin client.
    with tempfile.TemporaryDirectory() as tmp:
        for label, run in (("RosterClient", lambda u: asyncio.run(creates(u, args.creates, 4))),
                           ("thin http.client", lambda u: lean_creates(u, args.creates, 4))):
            times = []
            for i in range(max(1, args.runs // 2)):
                url, proc = start_roster(Path(tmp) / f"fresh-{label[:4]}-{i}.db")
                try:
                    times.append(run(url))
                finally:
                    stop(proc)
            took = median(times)
            rows.append((f"{args.creates:,} single creates (POST), 4 in flight, {label}", f"{took:.2f} s",
                         f"{args.creates / took:,.0f}/s (target < 2 s)"))

    print_table(rows)


def print_table(rows: list[tuple[str, str, str]]) -> None:
    print("| measurement | median | note |\n|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")


def postgres_rows(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """The crawl and search figures on PostgreSQL."""
    out = []
    url, proc = start_roster(seeded_postgres(args.postgres, args.crawl_users))
    try:
        assert crawl(url) == args.crawl_users
        took = median(timed(lambda: crawl(url), args.runs))
    finally:
        stop(proc)
    out.append((f"PostgreSQL: crawl {args.crawl_users:,} users, pages of 1,000", f"{took:.3f} s", "target < 2 s"))
    url, proc = start_roster(seeded_postgres(args.postgres, args.search_users))
    try:
        found = search_times(url, max(args.runs, 10))
    finally:
        stop(proc)
    for label in ("familyName sw", "emails co"):
        out.append((f"PostgreSQL: search `{label}` at {args.search_users:,} users "
                    f"({found[label + ' total']:,} hits)", f"{found[label] * 1000:.1f} ms", "target < 100 ms"))
    return out


if __name__ == "__main__":
    main()
