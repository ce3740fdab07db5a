"""An apply killed at a random point (kill -9 of the CLI, or of the service) is a change left open: ``roster
changes --open`` lists it and ``roster resume N`` writes only what is left, to the same end state as an
uninterrupted run, each write once. On both backends."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.test_import import env_for, tag, write
from tests.conftest import POSTGRES_URL, RunningServer, new_postgres_database, start_server, stop_server

ROWS = 2500
MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def backends() -> list[Any]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)"))]


def database(backend: str) -> str | None:
    return new_postgres_database() if backend == "postgresql" else None


def hr_file(tmp: Path, prefix: str) -> Path:
    """A file of creates, each user managed by the first (created first: a resume must still find them)."""
    return write(tmp, "Email,Employee ID,First Name,Last Name,Title,Manager\n" + "".join(
        f"{prefix}{i:05d}@x.example,{prefix}{i},Sam,No{i},Analyst,{prefix + '00000@x.example' if i else ''}\n"
        for i in range(ROWS)), f"{prefix}.csv")


def roster(server: RunningServer, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=env_for(server, tmp),
                          capture_output=True, text=True, timeout=300)


def documents(server: RunningServer, prefix: str) -> dict[str, dict[str, Any]]:
    """The users of ``prefix`` by userName, without ids, meta and the manager's id (another roster's)."""
    out: dict[str, dict[str, Any]] = {}
    start = 1
    while True:
        body = httpx.get(f"{server.url}/Users", headers=server.headers(), timeout=60, params={
            "filter": f'userName sw "{prefix}"', "startIndex": start, "count": 1000}).json()
        for r in body.get("Resources", []):
            doc = {k: v for k, v in r.items() if k not in ("id", "meta")}
            if MANAGER in doc and "manager" in doc[MANAGER]:
                doc[MANAGER] = {**doc[MANAGER], "manager": {k: v for k, v in doc[MANAGER]["manager"].items()
                                                            if k not in ("value", "$ref")}}
            assert r["userName"] not in out
            out[r["userName"]] = doc
        start += len(body.get("Resources", []))
        if not body.get("Resources") or start > body["totalResults"]:
            return out


def open_change(server: RunningServer) -> dict[str, Any] | None:
    found = httpx.get(f"{server.url}/Changes", headers=server.headers(), params={"status": "open"}).json()
    return found["Resources"][0] if found["Resources"] else None


def written(server: RunningServer, change: int) -> list[str]:
    users, after = [], 0
    while True:
        page = httpx.get(f"{server.url}/Changes/{change}/writes", headers=server.headers(),
                         params={"after": after}, timeout=60).json()["Resources"]
        users += [w["user"] for w in page]
        if len(page) < 1000:
            return users
        after = page[-1]["seq"]


def start_import(server: RunningServer, tmp: Path, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "import", str(path), "--apply", "--yes"],
                            env=env_for(server, tmp), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_writes(server: RunningServer) -> int:
    """The open change's id once it has written something, after a random further wait."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        change = open_change(server)
        if change is not None and written(server, change["id"]):
            time.sleep(random.uniform(0, 0.15))
            return int(change["id"])
        time.sleep(0.01)
    raise AssertionError("the import wrote nothing")


def resume_and_compare(server: RunningServer, tmp: Path, change: int, prefix: str, path: Path) -> None:
    listed = roster(server, tmp, "changes", "--open")
    assert listed.returncode == 0 and f"{change:>5}" in listed.stdout and path.name in listed.stdout, listed
    before = len(written(server, change))
    assert 0 < before <= ROWS  # all written, even, if it died between its last write and closing the change
    resumed = roster(server, tmp, "resume", str(change), "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    ok = int(re.search(r"Applied: (\d+) ok, 0 conflict, 0 failed", resumed.stdout).group(1))  # type: ignore[union-attr]
    assert ok <= ROWS - before  # the rest (a batch still in flight when it was killed landed meanwhile)
    users = written(server, change)
    assert len(users) == ROWS and len(set(users)) == ROWS  # each write once
    assert open_change(server) is None
    assert "nothing is left" in roster(server, tmp, "resume", str(change), "--yes").stderr
    reference = start_server(tmp / "reference")
    try:
        whole = roster(reference, tmp, "import", str(path), "--apply", "--yes")
        assert whole.returncode == 0, whole.stderr
        assert documents(server, prefix) == documents(reference, prefix)
    finally:
        stop_server(reference)


@pytest.mark.parametrize("backend", backends())
def test_cli_killed_mid_apply_resumes_to_the_same_end_state(tmp_path: Path, backend: str) -> None:
    server = start_server(tmp_path / "svc", db=database(backend))
    try:
        prefix = f"k{tag()}."
        path = hr_file(tmp_path, prefix)
        importer = start_import(server, tmp_path, path)
        change = wait_for_writes(server)
        importer.send_signal(signal.SIGKILL)
        importer.wait()
        resume_and_compare(server, tmp_path, change, prefix, path)
    finally:
        stop_server(server)


@pytest.mark.slow
@pytest.mark.parametrize("backend", backends())
def test_service_killed_mid_apply_resumes_to_the_same_end_state(tmp_path: Path, backend: str) -> None:
    first = start_server(tmp_path / "svc", db=database(backend))
    prefix = f"s{tag()}."
    path = hr_file(tmp_path, prefix)
    importer = start_import(first, tmp_path, path)
    change = wait_for_writes(first)
    os.kill(first.process.pid, signal.SIGKILL)  # the service dies with requests in flight
    first.process.wait()
    assert importer.wait(timeout=180) == 2  # the importer says it could not finish
    again = start_server(tmp_path / "again", db=first.db)
    try:
        resume_and_compare(again, tmp_path, change, prefix, path)
    finally:
        stop_server(again)
