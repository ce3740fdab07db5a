"""ctrl-C during ``roster import --apply``: the command says what was written and what was not, and a re-run
writes only the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer, start_server, stop_server

ROWS = 8000


@pytest.fixture()
def own(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "srv")
    yield running
    stop_server(running)


def as_from_a_terminal() -> None:
    """ctrl-C as a terminal delivers it: a shell runs background jobs with SIGINT ignored, and a child inherits that
    (CI started from such a job would otherwise see the import finish whatever the test sends)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def users(server: RunningServer) -> int:
    return httpx.get(f"{server.url}/Users", params={"count": 0}, headers=server.headers(), timeout=10
                     ).json()["totalResults"]


def test_ctrl_c_says_what_was_written_and_a_rerun_writes_the_rest(own: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "hires.csv"
    path.write_text("Email,First Name,Last Name\n" + "".join(f"h{n}@x.example,H,{n}\n" for n in range(ROWS)))
    env = {**os.environ, "ROSTER_API_URL": own.url, "ROSTER_API_TOKEN": own.token, "NO_COLOR": "1",
           "ROSTER_CONFIG_DIR": str(tmp_path / "config"), "ROSTER_DATA_DIR": str(tmp_path / "data")}
    log = tmp_path / "out.txt"  # a file, not a pipe: the plan it prints would fill a pipe nobody reads yet
    with log.open("w") as stdout:
        proc = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "import", str(path), "--apply", "--yes"],
                                env=env, stdout=stdout, stderr=subprocess.STDOUT, text=True,
                                preexec_fn=as_from_a_terminal)
    deadline = time.monotonic() + 60
    while users(own) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # polling for a condition: the first batch written
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    out = log.read_text()
    assert proc.returncode == 130, out[-2000:]
    [applied] = [line for line in out.splitlines() if line.startswith("Applied:")]
    ok = int(applied.split()[1])
    [said] = [line for line in out.splitlines() if line.startswith("interrupted;")]
    unsure = int(said.split()[1]) if "without an answer" in said else 0
    left = int(said.split(" not attempted")[0].rsplit(" ", 1)[-1])
    # the first batch was written when the signal came; its answer may not have reached the client yet
    assert ok + unsure > 0 and ok < ROWS and ok + unsure + left == ROWS, said
    assert said.endswith("import the same file again to apply the rest")
    # the batch in flight may still be written after the client left: a graceful stop of the service finishes it,
    # and the service comes back where it was, so the re-run and the count below see the same roster
    stop_server(own)
    own = start_server(tmp_path / "srv-again", db=own.db, port=int(own.url.split(":")[2].split("/")[0]))
    try:
        rerun = subprocess.run([sys.executable, "-m", "roster_tui.cli", "import", str(path), "--json"], env=env,
                               capture_output=True, text=True, timeout=120)
        written = users(own)
    finally:
        stop_server(own)
    assert ok <= written <= ok + unsure
    assert json.loads(rerun.stdout)["summary"]["create"] == ROWS - written  # a re-run plans only the rest
