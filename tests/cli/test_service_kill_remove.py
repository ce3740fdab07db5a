"""kill -9 the *service* in the middle of a removal, restart it, run the removal again: the users deleted before
the service died are "already removed", the rest are removed, nothing is an error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_import import count, env_for, plan_json, roster, tag, write
from tests.conftest import start_server, stop_server


def remove_json(server, tmp: Path, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = roster(server, tmp, "remove", *args, "--json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.mark.slow
def test_service_killed_mid_removal_then_a_rerun_says_already_removed(tmp_path: Path) -> None:
    server = start_server(tmp_path / "first")
    t, n = tag(), 4000
    prefix = f"gone{t}."
    emails = [f"{prefix}{i:05d}@x.example" for i in range(n)]
    hires = write(tmp_path, "Email,First Name,Last Name\n" + "".join(f"{e},Gus,No{i}\n" for i, e in enumerate(emails)))
    assert plan_json(server, tmp_path, str(hires), "--apply", "--yes")[0] == 0
    terms = write(tmp_path, "\n".join(emails) + "\n", "terms.txt")
    remover = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "remove", "--from", str(terms),
                                "--delete-when-allowed", "--force", "--apply", "--yes", "--json"],
                               env=env_for(server, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and count(server, prefix)[0] == n:
        time.sleep(0.01)  # polling for a condition: the first deletions written
    os.kill(server.process.pid, signal.SIGKILL)  # the service dies with requests in flight
    server.process.wait()
    out, _err = remover.communicate(timeout=120)
    assert remover.returncode == 2, out
    applied = json.loads(out)["applied"]
    assert applied["stopped"].startswith("the roster API stopped answering")
    # the service comes back where it was (the record of deletions is kept per roster API URL)
    restarted = start_server(tmp_path / "second", db=server.db, port=int(server.url.split(":")[2].split("/")[0]))
    try:
        left = count(restarted, prefix)[0]
        assert 0 < left < n
        code, again = remove_json(restarted, tmp_path, "--from", str(terms), "--delete-when-allowed", "--force")
        summary = again["summary"]  # --force: 4,000 deletions are past the guard (100) on purpose
        assert (code, summary["delete"], summary["unchanged"], summary["error"]) == (1, left, n - left, 0)
        assert {r["reason"].split(" (")[0] for r in again["rows"] if r["action"] == "unchanged"} == {"already removed"}
        code, done = remove_json(restarted, tmp_path, "--from", str(terms), "--delete-when-allowed", "--force",
                                 "--apply", "--yes")
        assert (code, done["applied"]) == (0, {"ok": left, "conflict": 0, "failed": 0})
        assert count(restarted, prefix)[0] == 0
        code, last = remove_json(restarted, tmp_path, "--from", str(terms))
        assert (code, last["summary"]["unchanged"], last["summary"]["error"]) == (0, n, 0)
    finally:
        stop_server(restarted)
