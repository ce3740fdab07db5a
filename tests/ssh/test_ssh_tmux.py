"""End to end: the real OpenSSH client in tmux logs in to ``roster ssh`` with a key and shows the roster."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest

from tests.tui.test_e2e_tmux import TMUX, pane_env, tmux, wait_for_screen

from .conftest import SshServer

pytestmark = pytest.mark.skipif(not shutil.which("ssh") or not shutil.which("tmux"), reason="needs ssh and tmux")


def test_openssh_in_tmux_shows_the_roster(ssh_server: SshServer) -> None:
    session = f"ssh-{uuid.uuid4().hex[:8]}"
    command = (f"ssh -p {ssh_server.port} -i {ssh_server.key_files['vic']} -o StrictHostKeyChecking=no "
               "-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR roster@127.0.0.1")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-e", f"TERM={pane_env()['TERM']}", command)
    try:
        screen = wait_for_screen(session, "vic · viewer", timeout=20)
        assert " users · " in screen and "@acme.example" in screen  # (another test may add a user)
        tmux("send-keys", "-t", session, "q")  # quitting the console ends the connection, and ssh with it
        deadline = time.monotonic() + 10
        while subprocess.run([*TMUX, "has-session", "-t", session], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "ssh did not end when the console quit"
            time.sleep(0.05)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)
