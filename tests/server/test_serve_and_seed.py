"""`roster serve` token handling and `roster seed` data, through the real command."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import orjson
from sqlalchemy import text

from roster_tui.core.scim import ROSTER_USER
from roster_tui.server.filters import parse_filter
from roster_tui.server.seed import generate
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import free_port, start_server, stop_server, wait_until_up


def run_roster(args: list[str], tmp: Path, **env: str) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if k != "ROSTER_API_TOKEN"}
    return subprocess.Popen([sys.executable, "-m", "roster_tui.cli", *args],
                            env={**clean, "ROSTER_CONFIG_DIR": str(tmp / "cfg"), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_serve_without_token_makes_a_private_token_file(tmp_path: Path) -> None:
    port = free_port()
    proc = run_roster(["serve", "--port", str(port), "--db", str(tmp_path / "r.db"), "--create"], tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/scim/v2"
        wait_until_up(url, proc)
        token_file = tmp_path / "cfg" / "serve-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        assert len(token) >= 32
        assert httpx.get(f"{url}/Users").status_code == 401
        assert httpx.get(f"{url}/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert str(token_file) in err.decode() and token not in err.decode()


def test_serve_refuses_public_address_without_token(tmp_path: Path) -> None:
    proc = run_roster(["serve", "--host", "0.0.0.0", "--port", str(free_port()), "--db", str(tmp_path / "r.db"),
                       "--create"], tmp_path)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode != 0
    assert "ROSTER_API_TOKEN" in err.decode() and "--token-file" in err.decode()


def test_serve_refuses_a_token_file_others_can_read(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("secret-value-123\n")
    token_file.chmod(0o644)
    proc = run_roster(["serve", "--port", str(free_port()), "--token-file", str(token_file), "--db",
                       str(tmp_path / "r.db"), "--create"], tmp_path)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode != 0
    assert "chmod 600" in err.decode() and "secret-value-123" not in err.decode()


def test_seed_is_deterministic_and_realistic(tmp_path: Path) -> None:
    a = list(generate(600, seed=3))
    assert a == list(generate(600, seed=3))
    assert a != list(generate(600, seed=4))
    docs = [orjson.loads(r["doc"]) for r in a]
    ids = {r["id"] for r in a}
    statuses = Counter(t["status"] for d in docs for t in d[ROSTER_USER]["trainingAssignments"])
    assert set(statuses) == {"not_started", "in_progress", "completed", "cancelled"}
    assert any(not d[ROSTER_USER]["trainingAssignments"] for d in docs)
    assert sum(1 for r in a if r["roles"]) >= 1 and a[0]["roles"] == "|Account Admin|"
    assert all(r["manager_id"] in ids for r in a if r["manager_id"])
    assert len({r["email"] for r in a}) == 600 and len({r["employee_number"] for r in a}) == 600
    assert not any(t["status"] in ("not_started", "in_progress") for d in docs if not d["active"]
                   for t in d[ROSTER_USER]["trainingAssignments"])


def test_seed_command_writes_storage(tmp_path: Path, database: str) -> None:
    proc = run_roster(["seed", "--users", "250", "--seed", "9", "--db", database], tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    storage = SqlStorage(database)
    try:
        assert storage.list(None, None, False, 0, 0)[0] == 250
        assert storage.list(parse_filter('emails.value co "smith"'), None, False, 0, 0)[0] == sum(
            "smith" in r["email"] for r in generate(250, 9))
        if storage.dialect == "postgresql":  # analyzed, and vacuumed so that index-only scans skip the table
            with storage.write_engine.connect() as conn:
                tuples, pages, visible = conn.execute(text(
                    "SELECT reltuples, relpages, relallvisible FROM pg_class WHERE relname = 'users'")).one()
            assert tuples == 250 and visible == pages > 0
    finally:
        storage.close()
    if database.endswith(".db"):
        with sqlite3.connect(database) as conn:
            hits = conn.execute("select count(*) from users_fts where users_fts match 'smith'").fetchone()[0]
            direct = conn.execute("select count(*) from users where user_name like '%smith%' or "
                                  "family_name like '%smith%' or given_name like '%smith%' or "
                                  "display_name like '%smith%' or email like '%smith%'").fetchone()[0]
        assert hits == direct  # the full-text index was rebuilt after the bulk load


def test_tokens_never_reach_the_logs(tmp_path: Path) -> None:
    port = free_port()
    secret = "very-secret-token-value-42"
    proc = run_roster(["serve", "--port", str(port), "--db", str(tmp_path / "r.db"), "--create", "--access-log"],
                      tmp_path, ROSTER_API_TOKEN=secret)
    try:
        url = f"http://127.0.0.1:{port}/scim/v2"
        wait_until_up(url, proc)
        httpx.get(f"{url}/Users", headers={"Authorization": f"Bearer {secret}"})
        httpx.get(f"{url}/Users", headers={"Authorization": f"Bearer {secret}x"})
        httpx.get(f"{url}/Users?filter=userName%20eq%20%22{secret}%22", headers={"Authorization": "Bearer nope"})
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    logs = out.decode() + err.decode()
    assert "GET /scim/v2/Users" in logs  # the access log is on
    assert secret not in logs.replace(f"%22{secret}%22", "")  # only the query string we sent ourselves


def test_a_token_in_a_query_string_is_blanked_however_its_name_is_written(tmp_path: Path) -> None:
    """Parameter names are compared percent-decoded and in any case (``%74oken`` was logged as sent), and names
    a token goes by besides ``token`` (``bearer``, ``jwt``, ``api-key``, ``signature``) are blanked too."""
    server = start_server(tmp_path, extra_args=["--access-log"])
    secrets = {f"SeCrEt{i}-0123456789abcdef": name for i, name in enumerate(
        ["%74oken", "access%5Ftoken", "Bearer", "jwt", "api-key", "X-Api-Key", "signature", "PASSWORD", "auth"])}
    try:
        for secret, name in secrets.items():
            httpx.get(f"{server.url}/Users?count=1&{name}={secret}", timeout=10)
    finally:
        stop_server(server)
    log = (tmp_path / "serve.log").read_text()
    assert "GET /scim/v2/Users?count=1&%74oken=*** " in log
    assert [s for s in secrets if s in log] == []
