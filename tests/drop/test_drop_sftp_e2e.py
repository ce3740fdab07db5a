"""End to end: OpenSSH's own ``sftp`` client against the drop folder: in batch mode, and typed in tmux."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.drop.conftest import DropServer, roster_csv, unique_email
from tests.tui.test_e2e_tmux import TMUX, pane_env, tmux, wait_for_change, wait_for_screen

SFTP = shutil.which("sftp")
pytestmark = [pytest.mark.skipif(SFTP is None, reason="OpenSSH's sftp client is not installed"),
              pytest.mark.timeout(60)]


def sftp_command(drop: DropServer, who: str, tmp: Path) -> list[str]:
    key = tmp / f"{who}_key"
    if not key.exists():
        drop.keys[who].write_private_key(str(key))
        key.chmod(0o600)
    return [SFTP or "sftp", "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o",
            "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-P", str(drop.port), "roster@127.0.0.1"]


def batch(drop: DropServer, who: str, tmp: Path, commands: str) -> subprocess.CompletedProcess[str]:
    script = tmp / "batch.txt"
    script.write_text(commands)
    return subprocess.run([*sftp_command(drop, who, tmp)[:1], "-b", str(script), *sftp_command(drop, who, tmp)[1:]],
                          capture_output=True, text=True, timeout=30)


def test_batch_mode_a_viewer_is_refused_and_reads_outgoing(drop_server: DropServer, tmp_path: Path) -> None:
    csv = roster_csv(tmp_path / "never-viewer.csv", [(unique_email(), "A", "B")])
    refused = batch(drop_server, "viewer", tmp_path, f"put {csv} incoming/never-viewer.csv\n")
    assert refused.returncode == 1 and "Permission denied" in refused.stderr + refused.stdout
    assert not (drop_server.folder.root / "incoming" / "never-viewer.csv").exists()
    listed = batch(drop_server, "viewer", tmp_path, "cd outgoing\npwd\nls\n")
    assert listed.returncode == 0 and "/outgoing" in listed.stdout, listed.stderr


def test_an_editor_drops_a_file_and_reads_its_plan_in_sftp(drop_server: DropServer, tmp_path: Path) -> None:
    email = unique_email()
    csv = roster_csv(tmp_path / "never-e2e.csv", [(email, "Tess", "Ng"), ("oops", "Bad", "Row")])
    session = f"drop-e2e-{uuid.uuid4().hex[:8]}"
    command = " ".join(sftp_command(drop_server, "editor", tmp_path))
    subprocess.run([*TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-c", str(tmp_path),
                    command], check=True, env=pane_env())
    try:
        wait_for_screen(session, "sftp>")
        tmux("send-keys", "-t", session, f"put {csv.name} incoming/", "Enter")
        wait_for_screen(session, "Uploading")
        result = drop_server.folder.root / "outgoing" / "never-e2e.result.txt"
        for _ in range(200):  # planned once sftp has closed the file
            if result.exists():
                break
            time.sleep(0.05)
        tmux("send-keys", "-t", session, "cd incoming/..", "Enter", "pwd", "Enter")
        wait_for_screen(session, "Remote working directory: /\n")
        tmux("send-keys", "-t", session, "get ../../etc/passwd", "Enter")
        wait_for_screen(session, 'File "/../../etc/passwd" not found')  # (sftp's globbing words the refusal so)
        tmux("send-keys", "-t", session, "ls outgoing", "Enter")
        wait_for_screen(session, "never-e2e.result.txt")
        tmux("send-keys", "-t", session, "get outgoing/never-e2e.plan.txt", "Enter")
        wait_for_screen(session, "Fetching")
        tmux("send-keys", "-t", session, "pwd", "Enter")  # answered once the get is done
        wait_for_change(session, "", predicate=lambda screen: screen.count("Remote working directory: /") == 2)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)
    assert not (tmp_path / "passwd").exists()
    plan = (tmp_path / "never-e2e.plan.txt").read_text()
    assert "Plan: 1 create" in plan and "line 3: " in plan
    assert drop_server.users(email) == []
