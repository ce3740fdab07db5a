"""Commands without a terminal over SSH: export, import (plan, and apply for roles that may write), changes; no
shell, no other command, no option naming a file; the session limits."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid

import asyncssh
import pytest

from .conftest import USERS, SshServer


async def test_export_then_import_plans_and_applies_and_changes_names_the_person(ssh_server: SshServer) -> None:
    exported = await ssh_server.run("vic", "export")
    assert exported.exit_status == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout.decode("utf-8-sig"))))
    assert len(rows) == USERS
    active = [r for r in rows if r["Status"] == "active"][:2]
    hr = io.StringIO()
    writer = csv.DictWriter(hr, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows({**r, "Title": r["Title"] + " (ssh)"} for r in active)
    file = hr.getvalue().encode()

    plan = await ssh_server.run("vic", "import --json", file)
    assert plan.exit_status == 1, plan.stderr  # changes to make: planned, nothing written
    assert json.loads(plan.stdout)["summary"]["update"] == 2
    refused = await ssh_server.run("vic", "import --apply")  # refused before its file is read
    assert refused.exit_status == 2
    assert refused.stderr.decode().strip() == ("roster: vic is a viewer: import --apply writes, and a viewer can "
                                               "read, not write (the plan alone: leave out --apply)")
    applied = await ssh_server.run("dana", "import --json --apply", file)
    assert applied.exit_status == 0, applied.stderr
    assert json.loads(applied.stdout)["applied"]["ok"] == 2
    changes = await ssh_server.run("vic", "changes --json")
    assert changes.exit_status == 0, changes.stderr
    listed = json.loads(changes.stdout)
    assert any(c["token"] == "dana" and c["kind"] == "import" for c in listed)


async def test_anything_else_is_refused_in_one_line(ssh_server: SshServer) -> None:
    for command, said in (("ls -la", "'ls' is not run here"), ("sh -c id", "'sh' is not run here"),
                          ("export -o /tmp/roster.csv", "export takes no -o"),
                          ("export --api=http://elsewhere", "export takes no --api"),
                          ("import /etc/passwd", "import reads the file from standard input"),
                          ("import --errors-csv /tmp/e.csv", "import takes no --errors-csv"),
                          ("changes --db /tmp/x.db", "changes takes no --db")):
        done = await ssh_server.run("dana", command)
        assert done.exit_status == 2, command
        lines = done.stderr.decode().splitlines()
        assert len(lines) == 1 and said in lines[0], (command, lines)
        assert done.stdout == b""
    async with await ssh_server.connect("dana") as conn:  # no terminal and no command: no console either
        done = await conn.run(encoding=None, check=False, input=b"")
        assert done.exit_status == 2 and b"needs a terminal" in done.stderr


async def test_the_server_serves_the_drop_folder_and_applies_a_clean_file_as_its_person(
        ssh_server: SshServer) -> None:
    """`roster ssh` itself: SFTP is the HR drop folder (in the consoles' files folder); a file a when-clean rule
    fits is planned and applied as the editor who dropped it; a viewer may not drop."""
    email = f"dropped-{uuid.uuid4().hex[:8]}@acme.example"
    body = f"Email,First Name,Last Name\n{email},Dee,Dropped\n".encode()
    async with await ssh_server.connect("vic") as conn, conn.start_sftp_client() as sftp:
        with pytest.raises(asyncssh.SFTPError):
            async with sftp.open("incoming/hr-viewer.csv", "wb") as f:
                await f.write(body)
    async with (await ssh_server.connect("dana") as conn, conn.start_sftp_client() as sftp,
                sftp.open("incoming/hr-monday.csv", "wb") as f):
        await f.write(body)
    result = ssh_server.files / "drop" / "outgoing" / "hr-monday.result.txt"
    deadline = asyncio.get_running_loop().time() + 20
    while not result.exists():
        assert asyncio.get_running_loop().time() < deadline, "the dropped file was not planned"
        await asyncio.sleep(0.1)
    assert (ssh_server.files / "drop" / "outgoing" / "hr-monday.plan.txt").exists()
    assert "applied" in result.read_text().lower(), result.read_text()
    listed = json.loads((await ssh_server.run("ann", "changes --json")).stdout)  # the journal names who applied it
    assert any(c["token"] == "dana" and "hr-monday.csv" in json.dumps(c) for c in listed), listed
    assert email.encode() in (await ssh_server.run("ann", "export")).stdout


async def test_sessions_per_person_are_limited(ssh_server: SshServer) -> None:
    """Three sessions of one person at once (config.toml: max_sessions_per_person = 3); a fourth is told why."""
    conn = await ssh_server.connect("ann")
    for _ in range(3):  # each waits for its file
        await conn.create_process("import --json", encoding=None)
    await asyncio.sleep(0.2)
    fourth = await conn.run("changes", check=False)
    assert fourth.exit_status == 2
    assert fourth.stderr.splitlines() == ["roster: ann has 3 sessions open, the most one person may "
                                          "(config.toml [ssh] max_sessions_per_person); close one first"]
    async with await ssh_server.connect("ann") as other:  # SFTP counts too: told why, and closed
        with pytest.raises((asyncssh.SFTPError, asyncssh.ChannelOpenError, asyncssh.ConnectionLost, OSError)):
            async with other.start_sftp_client() as sftp:
                await sftp.listdir("outgoing")
    conn.abort()  # they end with the connection (no import runs on a file cut short)
    deadline = asyncio.get_running_loop().time() + 10
    while (again := await ssh_server.run("ann", "changes")).exit_status == 2:
        assert asyncio.get_running_loop().time() < deadline, again.stderr
        await asyncio.sleep(0.1)
    assert again.exit_status == 0, again.stderr
    async with await ssh_server.connect("ann") as conn, conn.start_sftp_client() as sftp:  # under the limit again
        assert "outgoing" in await sftp.listdir(".")


async def test_sftp_sessions_count_in_the_limits_until_they_end(ssh_server: SshServer) -> None:
    """Three SFTP sessions of one person are their three (config.toml: max_sessions_per_person = 3); once they
    end, the person may run a command again."""
    async with await ssh_server.connect("dana") as conn:
        clients = [await conn.start_sftp_client() for _ in range(3)]
        refused = await ssh_server.run("dana", "changes")
        assert refused.exit_status == 2 and b"max_sessions_per_person" in refused.stderr
        for client in clients:
            client.exit()
            await client.wait_closed()
        deadline = asyncio.get_running_loop().time() + 10
        while (again := await ssh_server.run("dana", "changes")).exit_status == 2:
            assert asyncio.get_running_loop().time() < deadline, again.stderr
            await asyncio.sleep(0.1)
