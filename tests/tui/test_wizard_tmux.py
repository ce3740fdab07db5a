"""End to end: the import wizard of the installed ``roster`` command, in tmux at 80x24, against ``roster serve``."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import httpx

from tests.conftest import stop_server

from .test_e2e_tmux import ROSTER, TMUX, pane_env, seeded_server, tmux, wait_for_screen


def keys(session: str, *sequence: str, literal: bool = False) -> None:
    """Type at once, as fast as tmux sends: no key may be lost, even right after a focus change."""
    tmux("send-keys", "-t", session, *(["-l"] if literal else []), *sequence)


def capture(session: str, name: str, footer: str) -> str:
    """The pane's text once the step's ``footer`` is drawn (a frame after the screen); also written to
    $ROSTER_WIZARD_CAPTURES/NAME.txt when that is set."""
    screen = wait_for_screen(session, footer)
    folder = os.environ.get("ROSTER_WIZARD_CAPTURES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.txt").write_text(screen, encoding="utf-8")
    return screen


def test_import_a_file_through_the_wizard_in_a_real_terminal(tmp_path: Path) -> None:
    server = seeded_server(tmp_path, 500, 3)
    session = f"roster-wizard-{uuid.uuid4().hex[:8]}"
    http = httpx.Client(base_url=server.url, headers=server.headers(), timeout=10)
    existing = http.get("/Users", params={"count": 1}).json()["Resources"][0]
    t = uuid.uuid4().hex[:6]
    path = tmp_path / "hires.csv"
    path.write_text("Email,First Name,Last Name,Title,Manager\n"
                    f"lead.{t}@acme.example,Lea,Lead,Team Lead,\n"
                    f"dev.{t}@acme.example,Dev,Eloper,Engineer,lead.{t}@acme.example\n"
                    f"{existing['userName']},,,Chief Wizard Officer,\n", encoding="utf-8")
    env = pane_env(ROSTER_API_TOKEN=server.token, ROSTER_CONFIG_DIR=str(tmp_path / "cfg"),
                   ROSTER_DATA_DIR=str(tmp_path / "data"))
    try:
        env_flags = [f"-e{k}={env[k]}" for k in ("ROSTER_API_TOKEN", "ROSTER_CONFIG_DIR", "ROSTER_DATA_DIR")]
        subprocess.run([*TMUX, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", *env_flags,
                        f"{ROSTER} --api {server.url}"], check=True, env=env)
        wait_for_screen(session, "source: ")  # typed as soon as the roster is up, with or before its rows
        keys(session, "i")  # and the file's path straight after: it waits for the file step to open
        keys(session, str(path), literal=True)
        keys(session, "Enter")
        wait_for_screen(session, "step 1 of 5")
        wait_for_screen(session, "3 rows  ·")
        capture(session, "1-file", "^o Browse")
        keys(session, "C-n")
        wait_for_screen(session, "step 2 of 5")
        capture(session, "2-mapping", "⏎ Validate")
        keys(session, "Enter")
        wait_for_screen(session, "valid rows")
        capture(session, "3-validation", "⏎ Next")
        keys(session, "Enter")
        wait_for_screen(session, "2 create · 1 update")
        capture(session, "4-preview", "a Apply…")
        keys(session, "a")
        wait_for_screen(session, "Apply 3 changes")
        keys(session, "y")
        screen = wait_for_screen(session, "Applied 3")
        capture(session, "5-result", "esc Back to roster s Save errors CSV")
        assert "conflicts 0" in screen and "failures 0" in screen
        keys(session, "Enter")
        wait_for_screen(session, "502 shown")
        found = http.get("/Users", params={"filter": f'userName eq "dev.{t}@acme.example"'}).json()
        dev = found["Resources"][0]
        lead = http.get("/Users", params={"filter": f'userName eq "lead.{t}@acme.example"'}).json()["Resources"][0]
        assert dev["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"] == lead["id"]
        assert http.get(f"/Users/{existing['id']}").json()["title"] == "Chief Wizard Officer"
        keys(session, "C-q")
    finally:
        http.close()
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)
        stop_server(server)
