"""Named API tokens: `roster token create/list/revoke`, stored hashed, named in the audit trail."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from roster_tui.server.storage.sql import SqlStorage
from roster_tui.server.storage.tables import api_tokens
from tests.conftest import free_port, wait_until_up
from tests.server.helpers import user_body


def roster(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ROSTER_API_TOKEN"}
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], capture_output=True, text=True,
                          env={**env, "ROSTER_CONFIG_DIR": str(tmp / "cfg")}, timeout=60)


def test_named_tokens_work_are_hashed_audited_and_revocable(tmp_path: Path, database: str) -> None:
    db = database
    created = roster(["token", "create", "hr-sync", "--db", db, "--create"], tmp_path)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert len(token) >= 32 and token not in created.stderr
    assert roster(["token", "create", "hr-sync", "--db", db], tmp_path).returncode == 2  # names are unique
    to_file = roster(["token", "create", "ci", "-o", str(tmp_path / "ci.token"), "--db", db], tmp_path)
    assert to_file.returncode == 0 and to_file.stdout == ""
    assert (tmp_path / "ci.token").stat().st_mode & 0o777 == 0o600
    storage = SqlStorage(db)
    with storage.read_engine.connect() as conn:
        stored = " ".join(conn.execute(select(api_tokens.c.hash)).scalars())
    storage.close()
    assert len(stored) == 2 * 64 + 1 and token not in stored

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ROSTER_API_TOKEN"}
    # named tokens exist, so the service may listen beyond loopback; 127.0.0.1 keeps the test local
    proc = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "serve", "--port", str(port), "--db", db],
                            env={**env, "ROSTER_CONFIG_DIR": str(tmp_path / "cfg")},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/scim/v2"
    try:
        wait_until_up(url, proc)
        headers = {"Authorization": f"Bearer {token}"}
        user = httpx.post(f"{url}/Users", json=user_body(), headers=headers)
        assert user.status_code == 201
        listing = roster(["token", "list", "--db", db], tmp_path)
        assert "hr-sync" in listing.stdout and token not in listing.stdout
        assert roster(["token", "revoke", "hr-sync", "--db", db], tmp_path).returncode == 0
        deadline = time.monotonic() + 10
        while httpx.get(f"{url}/Users", headers=headers).status_code != 401:
            assert time.monotonic() < deadline, "a revoked token kept working"
            time.sleep(0.5)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "2 named tokens" in err.decode() and token not in err.decode()
    storage = SqlStorage(db)
    try:
        assert storage.audit_for(user.json()["id"])[0]["token"] == "hr-sync"
    finally:
        storage.close()
