"""The console over SSH, read on a terminal emulator: log in with a key, the rows, a profile, a save as an editor
(the audit trail names her), a viewer's role and refusal, a resize, two sessions apart, a dropped connection
ending its process; unknown keys and passwords refused."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import asyncssh
import pytest

from roster_tui.server.storage.sql import SqlStorage

from .conftest import USERS, SshServer, console

DOWN, ENTER, ESC, CTRL_S = "\x1b[B", "\r", "\x1b", "\x13"


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended and been reaped (a zombie still has a /proc entry, in state Z)."""
    return not Path(f"/proc/{pid}").exists()


async def test_editor_browses_saves_resizes_and_a_dropped_connection_ends_the_console(ssh_server: SshServer) -> None:
    before = ssh_server.children()
    conn = await ssh_server.connect("dana")
    term = await console(conn)
    await term.wait_for(" users · ")  # the counts (another test of the package may add a user)
    await term.wait_for("@acme.example")
    screen = await term.wait_for("dana · editor")
    assert "i Import" in screen
    # a profile, its title edited and saved: the service writes it as dana
    term.type(ENTER)
    await term.wait_for("Employee ID")
    term.type("jjjj")  # to the Title row
    await asyncio.sleep(0.2)
    term.type("e")
    await asyncio.sleep(0.3)
    term.type("Q" + ENTER)
    await asyncio.sleep(0.2)
    term.type(CTRL_S)
    await term.wait_for("Saved ")
    storage = SqlStorage(ssh_server.db)
    try:
        edited = [u for u in storage.list(None, None, False, 0, 10 * USERS)[1]
                  if str(json.loads(u.doc).get("title", "")).endswith("Q")]
        assert len(edited) == 1
        assert storage.audit_for(edited[0].id)[0]["token"] == "dana"
    finally:
        storage.close()
    # a bigger window: the console draws at the new size
    term.type(ESC)
    await term.wait_for(" users · ")
    term.resize(130, 40)
    deadline = time.monotonic() + 15
    while "Help" not in term.screen.display[39] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert "Help" in term.screen.display[39], term.text
    # the connection drops: the session's process is hung up and reaped
    started = ssh_server.children() - before
    assert len(started) == 1
    conn.abort()
    deadline = time.monotonic() + 15
    while not all(gone(pid) for pid in started) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert all(gone(pid) for pid in started)
    term.close()


async def test_a_viewer_sees_the_role_and_two_sessions_do_not_share_input(ssh_server: SshServer) -> None:
    async with await ssh_server.connect("vic") as viewer, await ssh_server.connect("ann") as admin:
        vic, ann = await asyncio.gather(console(viewer), console(admin))
        await asyncio.gather(vic.wait_for("vic · viewer"), ann.wait_for("ann · account-admin"))
        # the footer follows the role: no write keys (they come back if this waits forever: the test fails)
        footer = await vic.wait_until(lambda text: "Help" in text.splitlines()[-1])
        await vic.wait_until(lambda text: "Import" not in text.splitlines()[-1], timeout=5)
        assert "Search" in footer.splitlines()[-1]
        # what one types goes to its own console only
        ann.type("/zqxv")
        await ann.wait_for("zqxv")
        await asyncio.sleep(0.3)
        assert "zqxv" not in vic.text
        # a viewer's save: the console says the role cannot write (the service refuses it anyway)
        vic.type(ENTER)
        await vic.wait_for("Employee ID")
        vic.type(CTRL_S)
        await vic.wait_for("token of vic is a viewer")
        vic.close()
        ann.close()


async def test_an_unknown_key_and_a_password_are_refused(ssh_server: SshServer) -> None:
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect("127.0.0.1", ssh_server.port, username="roster", client_keys=[stranger],
                               known_hosts=None, agent_path=None)
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect("127.0.0.1", ssh_server.port, username="dana", password="dana", client_keys=None,
                               known_hosts=None, agent_path=None)


def test_the_host_key_was_made_private(ssh_server: SshServer) -> None:
    assert ssh_server.host_key.stat().st_mode & 0o777 == 0o600
