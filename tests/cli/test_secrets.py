"""Tokens and secrets at the command line: never in a log, bad ones refused with one clear line (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, start_server, stop_server


def roster(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")}
    base.update(ROSTER_CONFIG_DIR=str(tmp / "config"), ROSTER_DATA_DIR=str(tmp / "data"), **env)
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=base, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("roster")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert all(w in result.stderr for w in words), result.stderr


def test_a_token_in_the_query_string_never_reaches_the_access_log(tmp_path: Path) -> None:
    secret = "sEcReT-0123456789-abcdefghijklmnopqrstuv"
    server = start_server(tmp_path, extra_args=["--access-log"])
    try:
        httpx.get(f"{server.url}/Users", params={"access_token": secret, "count": "1"}, timeout=10)
        httpx.get(f"{server.url}/Users?token={secret}", headers=server.headers(), timeout=10)
    finally:
        stop_server(server)
    log = (tmp_path / "serve.log").read_text()
    assert "GET /scim/v2/Users?access_token=***&count=1" in log and "token=***" in log
    assert secret not in log


@pytest.mark.parametrize("problem", ["loose", "missing", "empty"])
def test_serve_with_a_bad_token_file_says_what_is_wrong(tmp_path: Path, problem: str) -> None:
    path = tmp_path / "token"
    if problem != "missing":
        path.write_text("" if problem == "empty" else "x" * 40)
        path.chmod(0o644 if problem == "loose" else 0o600)
    result = roster(tmp_path, "serve", "--port", str(free_port()), "--db", str(tmp_path / "r.db"), "--create",
                    "--token-file", str(path))
    one_clear_line(result, str(path), {"loose": "chmod 600", "missing": "no such file", "empty": "empty"}[problem])


@pytest.mark.parametrize("token", ["tökën", "abc\ndef", "two words"])
def test_a_token_that_cannot_be_sent_is_refused_before_anything_runs(tmp_path: Path, token: str) -> None:
    result = roster(tmp_path, "export", "--api", "http://127.0.0.1:9/scim/v2", ROSTER_API_TOKEN=token)
    one_clear_line(result, "ROSTER_API_TOKEN", "characters a token cannot have")


def test_serve_on_a_network_address_needs_a_long_token(tmp_path: Path) -> None:
    result = roster(tmp_path, "serve", "--host", "0.0.0.0", "--port", str(free_port()), "--db",
                    str(tmp_path / "r.db"), "--create", ROSTER_API_TOKEN="a")
    one_clear_line(result, "0.0.0.0", "at least 32")


@pytest.mark.parametrize("name", ["local", "env", "token-file", "embedded:root", "", " ", "x" * 65,
                                  "\x1b[31mred", "two words"])
def test_token_names_are_checked(tmp_path: Path, name: str) -> None:
    result = roster(tmp_path, "token", "create", name, "--db", str(tmp_path / "r.db"), "--create")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "\x1b" not in result.stderr  # an escape sequence is shown, never sent to the terminal
    assert roster(tmp_path, "token", "list", "--db", str(tmp_path / "r.db")).stdout == ""
