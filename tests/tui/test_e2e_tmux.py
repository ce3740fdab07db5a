"""End to end: the installed ``roster`` command in tmux against ``roster serve`` on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from roster_tui.server.seed import generate
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import RunningServer, start_server, stop_server

#: tmux with a server of this process's own: sessions of tests running in parallel never share one (a shared
#: server once sized one test's window after another's)
TMUX = [shutil.which("tmux") or "/usr/bin/tmux", "-L", f"roster-tests-{os.getpid()}"]
ROSTER = str(Path(sys.executable).parent / "roster")


def pane_env(**values: str) -> dict[str, str]:
    """This process's environment with ``values``, less COLUMNS and LINES: pytest-xdist's workers set them to
    80x24, and the app would draw at that size whatever the pane's is."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**env, "TERM": "xterm-256color", **values}


def tmux(*args: str) -> str:
    return subprocess.run([*TMUX, *args], check=True, capture_output=True, text=True).stdout


def wait_for_screen(session: str, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-t", session, "-p")
        if text in screen:
            return screen
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{screen}")


def wait_for_change(session: str, before: str, timeout: float = 15.0,
                    predicate: Callable[[str], bool] = lambda screen: True) -> str:
    """The screen once it differs from ``before`` (e.g. a panel opened) and ``predicate`` holds."""
    deadline = time.monotonic() + timeout
    screen = before
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-t", session, "-p")
        if screen != before and predicate(screen):
            return screen
        time.sleep(0.05)
    raise AssertionError(f"the screen did not change in {timeout} s:\n{screen}")


def wait_for_exactly(session: str, wanted: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-t", session, "-p")
        if screen == wanted:
            return
        time.sleep(0.05)
    raise AssertionError(f"the screen did not come back in {timeout} s:\n{screen}\nwanted:\n{wanted}")


def seeded_server(tmp_path: Path, users: int, seed: int) -> RunningServer:
    """``roster serve`` on loopback over a roster of ``users`` generated from ``seed`` in ``tmp_path``."""
    db = tmp_path / "roster.db"
    storage = SqlStorage(str(db))
    storage.bulk_load(generate(users, seed))
    storage.close()
    return start_server(tmp_path, db=str(db))


def test_search_open_edit_save_in_a_real_terminal(tmp_path: Path) -> None:
    server = seeded_server(tmp_path, 500, 3)
    session = f"roster-e2e-{uuid.uuid4().hex[:8]}"
    env = pane_env(ROSTER_API_TOKEN=server.token, ROSTER_CONFIG_DIR=str(tmp_path / "cfg"),
                   ROSTER_DATA_DIR=str(tmp_path / "data"))
    env.pop("NO_COLOR", None)
    try:
        # a tmux server already running would not pass our environment on: set it with -e
        env_flags = [f"-e{k}={env[k]}" for k in ("ROSTER_API_TOKEN", "ROSTER_CONFIG_DIR", "ROSTER_DATA_DIR")]
        subprocess.run([*TMUX, "new-session", "-d", "-s", session, "-x", "160", "-y", "50", *env_flags,
                        f"{ROSTER} --api {server.url}"], check=True, env=env)
        # typed as soon as the roster screen is up, before or as its first rows arrive: no key may be lost
        wait_for_screen(session, "source: ")
        tmux("send-keys", "-t", session, "/")
        tmux("send-keys", "-t", session, "-l", "E100123")
        tmux("send-keys", "-t", session, "Enter")
        wait_for_screen(session, "1 shown")
        # open the profile and edit it in one go: the keys wait while the profile loads, then move its row
        # cursor (navigation mode) to Title, and "e" edits it
        tmux("send-keys", "-t", session, "Enter", "j", "j", "j", "j", "e", "C-u")
        tmux("send-keys", "-t", session, "-l", "Head of Roster Hygiene")
        tmux("send-keys", "-t", session, "C-s")
        screen = wait_for_screen(session, "Saved ")
        assert "E100123" in screen and "Head of Roster Hygiene" in screen
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as http:
            found = http.get("/Users", params={
                "filter": 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E100123"'})
            assert found.json()["Resources"][0]["title"] == "Head of Roster Hygiene"
            user_id = found.json()["Resources"][0]["id"]
            assert http.get(f"/Users/{user_id}").json()["title"] == "Head of Roster Hygiene"
        tmux("send-keys", "-t", session, "Escape")
        # back on the roster (its query line), the row reloaded with the new title
        wait_for_change(session, "", predicate=lambda screen: "1 shown" in screen and "Profile: " not in screen
                        and "Head of Roster Hygiene" in screen)
        # the keys of every other screen on a profile: "?" opens the help, "q" closes it, "q" goes back; no field
        # takes them
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as http:
            before = http.get(f"/Users/{user_id}").json()
        tmux("send-keys", "-t", session, "Enter")
        wait_for_screen(session, "Profile: ")
        profile = wait_for_change(session, "", predicate=lambda screen: "Saved " not in screen)  # toast gone
        assert before["userName"] in profile and "Profile: " in profile
        tmux("send-keys", "-t", session, "-l", "?")
        wait_for_change(session, profile)
        tmux("send-keys", "-t", session, "-l", "q")
        wait_for_exactly(session, profile)
        tmux("send-keys", "-t", session, "-l", "jkq")
        wait_for_screen(session, "1 shown")
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as http:
            after = http.get(f"/Users/{user_id}").json()
        assert after["userName"] == before["userName"] and after["emails"] == before["emails"]
        assert after["meta"]["version"] == before["meta"]["version"]
        tmux("send-keys", "-t", session, "C-q")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)
        stop_server(server)
