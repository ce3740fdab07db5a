"""The guards on the command line: a plan over a limit is held (exit 3, one line per guard, nothing written) unless
``--force``; the limits come from config.toml's ``[guards]`` and the commands' flags (docs/RULES.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.test_import import roster, write
from tests.conftest import RunningServer, start_server, stop_server


@pytest.fixture()
def own(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "srv")
    yield running
    stop_server(running)


def run_json(server: RunningServer, tmp: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = roster(server, tmp, *args, "--json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def statuses(server: RunningServer) -> dict[str, bool]:
    body = httpx.get(f"{server.url}/Users", headers=server.headers(), params={"count": 1000}, timeout=30).json()
    return {r["userName"]: r["active"] for r in body.get("Resources", [])}


def hire(server: RunningServer, tmp: Path, n: int) -> None:
    rows = "".join(f"u{i}@x.example,U,{i}\n" for i in range(n))
    path = write(tmp, "Email,First Name,Last Name\n" + rows, "hires.csv")
    assert roster(server, tmp, "import", str(path), "--apply", "--yes").returncode == 0


def config(tmp: Path, text: str) -> Path:
    path = tmp / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_import_over_a_limit_is_held_and_writes_nothing_until_forced(own: RunningServer, tmp_path: Path) -> None:
    hire(own, tmp_path, 6)
    terms = write(tmp_path, "Email,Status\n" + "".join(f"u{i}@x.example,terminated\n" for i in range(3)), "t.csv")
    code, plan, err = run_json(own, tmp_path, "import", str(terms), "--max-deactivations", "2", "--apply", "--yes")
    assert code == 3 and "applied" not in plan and plan["summary"]["deactivate"] == 3
    message = "the plan deactivates 3 users; the limit is 2 (--max-deactivations)"
    assert plan["held"] == [{"guard": "max_deactivations", "count": 3, "limit": 2, "message": message}]
    assert err.splitlines() == [f"roster: held, nothing written: {message}. Pass --force to go ahead, or raise the "
                                "limit (--max-deactivations N, or off)"]
    assert all(statuses(own).values())  # nothing written
    human = roster(own, tmp_path, "import", str(terms), "--max-deactivations", "2")
    assert human.returncode == 3 and f"!! HELD: {message}" in human.stdout.splitlines()[3]  # after "Plan: ..."
    code, plan, err = run_json(own, tmp_path, "import", str(terms), "--max-deactivations", "2", "--force",
                               "--apply", "--yes")
    assert code == 0 and plan["applied"] == {"ok": 3, "conflict": 0, "failed": 0} and err == ""
    assert plan["held"] == [] and [g["guard"] for g in plan["forced"]] == ["max_deactivations"]
    assert sorted(u for u, active in statuses(own).items() if not active) == [f"u{i}@x.example" for i in range(3)]


def test_limits_come_from_config_toml_and_a_flag_overrides_them(own: RunningServer, tmp_path: Path) -> None:
    hire(own, tmp_path, 6)
    toml = config(tmp_path, "[guards]\nmax_share = 40\nmax_deactivations = false\n")
    edits = write(tmp_path, "Email,Title\n" + "".join(f"u{i}@x.example,Chief\n" for i in range(3)), "e.csv")
    code, plan, err = run_json(own, tmp_path, "import", str(edits), "--apply", "--yes")
    assert code == 3 and "applied" not in plan
    assert [g["message"] for g in plan["held"]] == [
        f"the plan changes 3 of the roster's 6 users (50%); the limit is 40% (guards.max_share in {toml})"]
    assert "--max-share PCT, or off" in err
    code, plan, _err = run_json(own, tmp_path, "import", str(edits), "--max-share", "off")
    assert code == 1 and plan["held"] == [] and plan["summary"]["update"] == 3  # planned, not held
    code, plan, _err = run_json(own, tmp_path, "import", str(edits), "--max-share", "50%")
    assert code == 1 and plan["held"] == []  # 50% is not over 50%
    terms = write(tmp_path, "Email,Status\n" + "".join(f"u{i}@x.example,inactive\n" for i in range(6)), "t.csv")
    code, plan, _err = run_json(own, tmp_path, "import", str(terms), "--max-share", "off")
    assert code == 1 and plan["held"] == []  # max_deactivations = false in config.toml: off


def test_a_removal_over_a_limit_is_held_and_deletes_nothing_until_forced(own: RunningServer, tmp_path: Path) -> None:
    hire(own, tmp_path, 4)
    terms = write(tmp_path, "u0@x.example\nu1@x.example\nu2@x.example\n", "terms.txt")
    code, plan, err = run_json(own, tmp_path, "remove", "--from", str(terms), "--delete-when-allowed",
                               "--max-deletions", "2", "--apply", "--yes")
    assert code == 3 and "applied" not in plan and plan["summary"]["delete"] == 3
    assert [(g["guard"], g["count"], g["limit"]) for g in plan["held"]] == [("max_deletions", 3, 2)]
    assert err.splitlines() == ["roster: held, nothing written: the plan deletes 3 users; the limit is 2 "
                                "(--max-deletions). Pass --force to go ahead, or raise the limit "
                                "(--max-deletions N, or off)"]
    assert len(statuses(own)) == 4  # nobody deleted
    config(tmp_path, "[guards]\nmax_share = 50\n")
    code, plan, _err = run_json(own, tmp_path, "remove", "--from", str(terms))  # 3 of 4 deactivated: 75%
    assert code == 3 and [g["guard"] for g in plan["held"]] == ["max_share"]
    code, plan, err = run_json(own, tmp_path, "remove", "--from", str(terms), "--delete-when-allowed",
                               "--max-deletions", "2", "--force", "--apply", "--yes")
    assert code == 0 and plan["applied"] == {"ok": 3, "conflict": 0, "failed": 0}
    assert [g["guard"] for g in plan["forced"]] == ["max_deletions", "max_share"] and plan["held"] == []
    assert list(statuses(own)) == ["u3@x.example"]


@pytest.mark.parametrize(("toml", "said"), [
    ('[guards]\nmax_deletions = "many"\n',
     '[guards]: max_deletions = \'many\' cannot be used: write a whole number of users (0 or more), or false to '
     "turn the guard off (the default is 100), or remove the line"),
    ("[guards]\nmax_share = 150\n", "max_share = 150 cannot be used: write a percent above 0 and at most 100"),
    ("[guards]\nmax_deactivation = 5\n", "[guards]: max_deactivation is not a guard; the guards are "
                                         "full_sync_share, max_deactivations, max_deletions, max_share"),
    ("guards = 5\n", "guards must be a table")])
def test_a_bad_guard_in_config_toml_stops_the_command_saying_what_to_write(tmp_path: Path, toml: str,
                                                                           said: str) -> None:
    path = config(tmp_path, toml)
    terms = write(tmp_path, "u0@x.example\n", "terms.txt")
    for command in (["remove", "--from", str(terms)], ["import", str(terms)]):
        result = _offline(tmp_path, *command)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"roster: {path}") and said in result.stderr


def _offline(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command against an API where nothing listens: a config error is said before any request."""
    env = {**os.environ, "ROSTER_API_URL": "http://127.0.0.1:9/scim/v2", "ROSTER_API_TOKEN": "t",
           "ROSTER_CONFIG_DIR": str(tmp / "config"), "ROSTER_DATA_DIR": str(tmp / "data"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("flag", [("--max-deletions", "-1"), ("--max-share", "0"), ("--max-deactivations", "x")])
def test_a_bad_guard_flag_is_refused_before_anything_runs(tmp_path: Path, flag: tuple[str, str]) -> None:
    result = _offline(tmp_path, "remove", "u0@x.example", *flag)
    assert result.returncode == 2 and f"argument {flag[0]}: {flag[1]!r}:" in result.stderr
    assert result.stderr.rstrip().endswith(", or off")
