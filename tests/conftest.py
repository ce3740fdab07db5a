"""Shared fixtures: a real roster API process on 127.0.0.1 over a temp SQLite file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


POSTGRES_URL = os.environ.get("ROSTER_TEST_POSTGRES_URL")


def pytest_report_header() -> str:
    """Say whether the PostgreSQL variants run (a quarter of the suite is skipped without them)."""
    if POSTGRES_URL:
        return "PostgreSQL backend: on (ROSTER_TEST_POSTGRES_URL is set)"
    return ("PostgreSQL backend: OFF, its tests are skipped; set ROSTER_TEST_POSTGRES_URL "
            "(.ci/postgres.sh starts a throwaway server and prints it)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a test of over 15 seconds on a loaded machine; such tests start first")


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by backend
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, spread over the workers' first shares (xdist's worksteal hands each worker a
    contiguous share of this order to start with): a slow test started last leaves the others idle meanwhile."""
    slow = [item for item in items if item.get_closest_marker("slow")]
    if not slow:
        return
    rest = iter([item for item in items if not item.get_closest_marker("slow")])
    workers, left, order = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), len(items), []
    for k in range(workers):
        share = left // (workers - k)  # as worksteal divides the collection among the workers
        mine = sorted(slow[k::workers], key=lambda item: "postgresql" in item.name)  # fewer server restarts
        order += mine + [next(rest) for _ in range(max(0, share - len(mine)))]
        left -= share
    items[:] = order + list(rest)


@pytest.fixture(autouse=True)
def _own_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets config and data dirs of its own: recent files, mappings and the record of removed users
    never reach the real ones, nor another test's (a test may set its own afterwards)."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("ROSTER_DATA_DIR", str(home / "data"))


@dataclass
class RunningServer:
    url: str  # SCIM base URL
    token: str
    db: str  # SQLite file path or database URL
    process: subprocess.Popen[bytes]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"server exited with {process.returncode} {output}")
        try:
            if httpx.get(f"{url}/ServiceProviderConfig", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def start_server(tmp: Path, token: str = "test-token-123", db: str | None = None,
                 extra_env: dict[str, str] | None = None, port: int | None = None,
                 extra_args: list[str] | None = None) -> RunningServer:
    port = port or free_port()
    database = db or str(tmp / "roster.db")
    env = {**os.environ, "ROSTER_API_TOKEN": token, "ROSTER_CONFIG_DIR": str(tmp / "config"),
           "ROSTER_DATA_DIR": str(tmp / "data"), **(extra_env or {})}
    tmp.mkdir(parents=True, exist_ok=True)
    # output to a file, not a pipe: a pipe nobody reads fills up (tracebacks) and then blocks the server
    with open(tmp / "serve.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "roster_tui.cli", "serve", "--port", str(port), "--db", database, "--create",
             *(extra_args or [])],
            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/scim/v2"
    try:
        wait_until_up(url, process)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}: {(tmp / 'serve.log').read_text(errors='replace')[-2000:]}") from None
    return RunningServer(url, token, database, process)


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def new_postgres_database() -> str:
    """A fresh, empty database on the test PostgreSQL server (ROSTER_TEST_POSTGRES_URL)."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    name = f"roster_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One roster API process per backend for the session; tests keep their data apart with unique values."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)")
    db = new_postgres_database() if request.param == "postgresql" else None
    running = start_server(tmp_path_factory.mktemp("server"), db=db)
    yield running
    stop_server(running)


@pytest.fixture()
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as client:
        yield client


def assign_training(storage: Any, user_id: str, assignments: list[dict[str, Any]]) -> None:
    """Training assignments are the training platform's, not the API's: write them straight to storage."""
    from roster_tui.core.scim import ROSTER_USER

    with storage.write("training-platform") as writer:
        writer.update(user_id, lambda doc: {**doc, ROSTER_USER: {**doc.get(ROSTER_USER, {}),
                                                               "trainingAssignments": assignments},
                                            "schemas": list(dict.fromkeys([*doc.get("schemas", []), ROSTER_USER]))},
                      None, "assign")


def give_assignments(server: RunningServer, user_id: str, assignments: list[dict[str, Any]]) -> None:
    """:func:`assign_training` on a running server's database."""
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(server.db)
    try:
        assign_training(storage, user_id, assignments)
    finally:
        storage.close()
