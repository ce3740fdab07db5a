"""Helpers shared by the benchmark scripts: seeded databases, server processes, timing, RSS."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

CACHE = Path(os.environ.get("ROSTER_BENCH_CACHE", "/tmp/roster-bench"))
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_db(users: int, seed: int = 7) -> Path:
    """A SQLite file with ``users`` seeded users, cached between runs."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"roster-{users}-{seed}.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        for p in CACHE.glob(tmp.name + "*"):
            p.unlink()
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "roster_tui.cli", "seed", "--users", str(users), "--seed",
                        str(seed), "--db", str(tmp)], check=True)
        print(f"  seeded {users:,} users in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        tmp.rename(path)
    return path


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            httpx.get(url + "/ServiceProviderConfig", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_roster(db: Path | str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = {**os.environ, "ROSTER_API_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "serve", "--port", str(port), "--db",
                             str(db), "--create"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/scim/v2"
    wait_up(url, proc)
    return url, proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def median_of(fn: Callable[[], object], runs: int) -> float:
    """The median seconds of ``runs`` calls of ``fn``."""
    return median(timed(fn, runs))


def seeded_postgres(admin_url: str, users: int, seed: int = 7) -> str:
    """A PostgreSQL database with ``users`` seeded users (created once, reused); returns its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(admin_url)
    name = f"roster_bench_{users}_{seed}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    if not exists:
        started = time.perf_counter()
        try:
            subprocess.run([sys.executable, "-m", "roster_tui.cli", "seed", "--users", str(users), "--seed",
                            str(seed), "--db", url], check=True)
        except BaseException:  # a half-seeded database must not be reused next time
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
        print(f"  seeded {users:,} users into PostgreSQL in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return url
