"""A connection dropped while the console applies an import: the console is hung up, the batches the service
received are written whole, and the import is a change left open (``roster resume`` finishes it)."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CONFIG, USERS, SshServer, Terminal, console, launch, stop

NEW = 5000  # five batches of /Bulk: the connection drops after the first, with four to go


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """A server of its own: this test adds users, which the others count."""
    server = launch(tmp_path_factory.mktemp("ssh-hangup"))
    yield server
    stop(server)


async def test_a_dropped_connection_mid_apply_leaves_the_change_open(own_server: SshServer) -> None:
    new_hires = own_server.files / "new-hires.csv"
    with new_hires.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Email", "First Name", "Last Name"])
        writer.writerows([f"hire{i}@acme.example", "New", f"Hire{i}"] for i in range(NEW))
    conn = await own_server.connect("dana")
    term = await console(conn)
    await term.wait_for("dana · editor")
    term.type("i")
    await term.wait_for("path to the CSV file")
    term.type("/etc/passwd\r")  # the session reads files in its folder only
    await term.wait_for("outside")
    term.type("\x15new-hires.csv\r")  # ctrl+u clears the field; a name is taken in the folder
    await term.wait_for(f"{NEW:,} rows")
    for step, then, on in (("\x0e", "Validate", "step 1 of 5"), ("\r", "No errors or warnings", "step 2 of 5"),
                           ("\r", "Apply…", "step 3 of 5"), ("a", "Apply (y)", "step 4 of 5"),
                           ("y", f" of {NEW:,} written", "Apply (y)")):
        await press_until(term, step, then, on)
    conn.abort()  # mid-apply: the console gets SIGHUP
    await asyncio.sleep(0.5)  # the batches the service received are written
    listed = await own_server.run("ann", "changes --json")
    changes = json.loads(listed.stdout)
    # left open (the console died at once) or stopped (it had time to stop between two batches): either is
    # resumable, and says who started it
    left = [(c["kind"], c["token"]) for c in changes if c["status"] in ("open", "stopped")]
    assert left == [("import", "dana")], changes
    exported = await own_server.run("ann", "export")
    written = len(exported.stdout.decode("utf-8-sig").splitlines()) - 1 - USERS
    assert 0 < written < NEW
    term.close()


async def press_until(term: Terminal, key: str, then: str, on: str) -> None:
    """``key`` pressed until ``then`` shows, again only while ``on`` still shows (the step had not taken keys yet,
    e.g. on a loaded machine); never pressed twice once the screen moved on."""
    for _ in range(5):
        await asyncio.sleep(0.15)
        term.type(key)
        try:
            await term.wait_for(then, timeout=4)
            return
        except AssertionError:
            if on not in term.text:
                raise
    await term.wait_for(then)


async def test_an_idle_console_is_closed_with_a_message(tmp_path: Path) -> None:
    server = launch(tmp_path, CONFIG.replace("idle_timeout = 600", "idle_timeout = 2"))
    try:
        await idle_session(server)
    finally:
        stop(server)


async def idle_session(server: SshServer) -> None:
    async with await server.connect("vic") as conn:
        term = await console(conn)
        await term.wait_for("vic · viewer")
        await term.wait_for("no key pressed for 2 s; the session is closed", timeout=10)
        assert await asyncio.wait_for(term.process.wait_closed(), 5) is None
        assert term.process.exit_status == 255
        term.close()
