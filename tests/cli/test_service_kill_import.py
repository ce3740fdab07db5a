"""kill -9 the *service* in the middle of an import apply, restart it, import again: every row once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_import import count, env_for, plan_json, tag, write
from tests.conftest import start_server, stop_server


@pytest.mark.slow
def test_service_killed_mid_apply_then_reimport_applies_each_row_once(tmp_path: Path) -> None:
    server = start_server(tmp_path / "first")
    t, n = tag(), 6000
    prefix = f"svc{t}."
    path = write(tmp_path, "Email,Employee ID,First Name,Last Name,Title\n" + "".join(
        f"{prefix}{i:05d}@x.example,S{t}{i},Sam,No{i},Analyst\n" for i in range(n)))
    importer = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "import", str(path), "--apply", "--yes",
                                 "--json"], env=env_for(server, tmp_path), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and count(server, prefix)[0] == 0:
        time.sleep(0.01)
    os.kill(server.process.pid, signal.SIGKILL)  # the service dies with requests in flight
    server.process.wait()
    out, _err = importer.communicate(timeout=120)
    assert importer.returncode == 2, out  # the importer stops, and says it could not finish
    applied = json.loads(out)["applied"]
    assert applied["stopped"].startswith("the roster API stopped answering")
    assert applied["ok"] + applied["failed"] + applied["not_attempted"] == n and applied["not_attempted"] > 0
    restarted = start_server(tmp_path / "second", db=server.db)
    try:
        created = count(restarted, prefix)[0]
        assert 0 < created < n
        code, plan = plan_json(restarted, tmp_path, str(path))
        assert code == 1 and plan["summary"]["create"] == n - created
        assert plan["summary"]["unchanged"] == created
        code, done = plan_json(restarted, tmp_path, str(path), "--apply", "--yes")
        assert code == 0 and done["applied"] == {"ok": n - created, "conflict": 0, "failed": 0}
        assert count(restarted, prefix) == (n, n)  # every row exactly once
    finally:
        stop_server(restarted)
