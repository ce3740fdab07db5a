"""Load on loopback: 8 clients for 60 s of mixed reads and writes; no 5xx, no lost write, latency p50/p95/p99.

Usage: python benchmarks/load.py [--clients 8] [--seconds 60] [--users 100000] [--db URL]
Each client owns its users, remembers what it last wrote to each, and checks every one at the end.
Bounded in time and count, stops by itself, talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import TOKEN, seeded_db, start_roster, stop
from roster_tui.core.models import User
from roster_tui.core.scim import PATCH_OP, user_to_scim

HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}


def new_user(n: int) -> dict[str, object]:
    """A new user's SCIM body (a unique email per ``n``)."""
    return user_to_scim(User(email=f"load.{n}@example.com", first_name="Ada", last_name="Lovelace", title="t0"))


class Client(threading.Thread):
    def __init__(self, url: str, seconds: float, seed: int) -> None:
        super().__init__()
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.base = parts.path
        self.deadline = time.monotonic() + seconds
        self.rng = random.Random(seed)
        self.latency: dict[str, list[float]] = {}
        self.statuses: Counter[int] = Counter()
        self.mine: dict[str, tuple[str, str]] = {}  # id -> (version, title we last wrote)

    def call(self, kind: str, method: str, path: str, body: object = None, headers: dict | None = None
             ) -> tuple[int, dict]:  # type: ignore[type-arg]
        started = time.perf_counter()
        self.conn.request(method, self.base + path, orjson.dumps(body) if body is not None else None,
                          {**HEADERS, **(headers or {})})
        response = self.conn.getresponse()
        data = response.read()
        self.latency.setdefault(kind, []).append(time.perf_counter() - started)
        self.statuses[response.status] += 1
        return response.status, (orjson.loads(data) if data else {})

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            roll = self.rng.random()
            if roll < 0.15 or not self.mine:
                status, user = self.call("create", "POST", "/Users", new_user(self.rng.randrange(10**12)))
                if status == 201:
                    self.mine[user["id"]] = (user["meta"]["version"], "t0")
            elif roll < 0.40:
                uid = self.rng.choice(list(self.mine))
                version, _ = self.mine[uid]
                title = f"t{self.rng.randrange(10**9)}"
                status, user = self.call("patch", "PATCH", f"/Users/{uid}",
                                         {"schemas": [PATCH_OP], "Operations": [
                                             {"op": "replace", "path": "title", "value": title}]},
                                         {"If-Match": version})
                if status == 200:
                    self.mine[uid] = (user["meta"]["version"], title)
            elif roll < 0.60:
                self.call("get", "GET", f"/Users/{self.rng.choice(list(self.mine))}")
            elif roll < 0.85:
                word = self.rng.choice(["smi", "john", "son", "lee", "ann"])
                flt = quote(f'name.familyName sw "{word}" or emails.value co "{word}"')
                self.call("search", "GET", f"/Users?filter={flt}&count=50")
            else:
                self.call("page", "GET", f"/Users?startIndex={self.rng.randrange(1, 90_000)}&count=100")

    def lost_writes(self) -> int:
        lost = 0
        for uid, (version, title) in self.mine.items():
            status, user = self.call("verify", "GET", f"/Users/{uid}")
            if status != 200 or user.get("title") != title or user["meta"]["version"] != version:
                lost += 1
        return lost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a copy of the seeded SQLite file)")
    args = parser.parse_args()
    db = args.db
    if db is None:
        import shutil
        import tempfile

        db = str(Path(tempfile.mkdtemp()) / "load.db")
        shutil.copy(seeded_db(args.users), db)
    url, proc = start_roster(db)
    try:
        clients = [Client(url, args.seconds, seed) for seed in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        lost = sum(c.lost_writes() for c in clients)
    finally:
        stop(proc)
    statuses: Counter[int] = sum((c.statuses for c in clients), Counter())
    print(f"{args.clients} clients, {args.seconds:.0f} s, statuses {dict(sorted(statuses.items()))}, "
          f"5xx: {sum(n for s, n in statuses.items() if s >= 500)}, lost writes: {lost}")
    print("| request | count | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    kinds = sorted({k for c in clients for k in c.latency})
    for kind in kinds:
        xs = sorted(x for c in clients for x in c.latency.get(kind, []))
        q = statistics.quantiles(xs, n=100) if len(xs) > 1 else xs * 99
        print(f"| {kind} | {len(xs)} | {q[49] * 1000:.1f} | {q[94] * 1000:.1f} | {q[98] * 1000:.1f} |")


if __name__ == "__main__":
    main()
