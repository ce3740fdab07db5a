"""The HR drop folder over SFTP (asyncssh client): dropped files are planned, applied only when their rule says
``when-clean`` and they are clean, and nothing outside the folder is reachable."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncssh
import httpx
import orjson
import pytest

from roster_tui.ssh.commands import MAX_IMPORT_BYTES
from tests.cli.test_import import roster
from tests.drop.conftest import DropServer, roster_csv, unique_email

pytestmark = pytest.mark.timeout(60)


async def put(drop: DropServer, who: str, local: Path, remote: str) -> None:
    async with drop.connect(who) as conn, conn.start_sftp_client() as sftp:
        await sftp.put(str(local), remote)


async def test_never_plans_a_file_and_writes_nothing(drop_server: DropServer, tmp_path: Path) -> None:
    emails = [unique_email(), unique_email()]
    csv = roster_csv(tmp_path / "never-hr.csv", [(emails[0], "Dana", "Smith"), (emails[1], "Lee", "Jones"),
                                                 ("not-an-email", "Bad", "Row")])
    await put(drop_server, "editor", csv, "incoming/never-hr.csv")
    drop_server.settle()
    async with drop_server.connect("viewer") as conn, conn.start_sftp_client() as sftp:  # a viewer reads them
        names = set(await sftp.listdir("outgoing"))
        text = await (await sftp.open("outgoing/never-hr.plan.txt")).read()
    assert {"never-hr.plan.txt", "never-hr.plan.json", "never-hr.errors.csv", "never-hr.result.txt"} <= names
    assert text.startswith("incoming/never-hr.csv: ")  # named as the client sees it, not where it is here
    assert "Plan: 2 create" in text and "line 4: " in text
    saved = orjson.loads(drop_server.outgoing("never-hr.plan.json"))
    assert saved["format"] == "roster-plan/1" and saved["kind"] == "import"
    assert saved["source"]["dropped_by"] == drop_server.people["editor"].name
    assert "not-an-email" in drop_server.outgoing("never-hr.errors.csv")
    result = drop_server.outgoing("never-hr.result.txt")
    assert "not applied: 1 row with errors" in result
    assert "the plan is drop/outgoing/never-hr.plan.json of the roster's data dir" in result
    assert drop_server.users(*emails) == []


async def test_when_clean_applies_a_clean_file_as_the_person(drop_server: DropServer, tmp_path: Path) -> None:
    emails = [unique_email(), unique_email()]
    csv = roster_csv(tmp_path / "auto-clean.csv", [(emails[0], "Ann", "Lee"), (emails[1], "Bo", "Kim")])
    await put(drop_server, "editor", csv, "/incoming/auto-clean.csv")
    drop_server.settle()
    assert drop_server.users(*emails) == emails
    result = drop_server.outgoing("auto-clean.result.txt")
    assert result.startswith(f"auto-clean.csv, dropped by {drop_server.people['editor'].name}")
    assert "applied: 2 ok, 0 conflict, 0 failed" in result and "recorded as change" in result
    change = int(result.split("recorded as change ")[1].split()[0])
    api = drop_server.api
    body = httpx.get(f"{api.url}/Changes/{change}", headers=api.headers()).json()
    assert drop_server.people["editor"].name in str(body) and body["source"]["file"] == "auto-clean.csv"
    assert not (drop_server.folder.root / "outgoing" / "auto-clean.errors.csv").exists()


async def test_when_clean_applies_nothing_with_a_row_error_or_a_held_guard(drop_server: DropServer,
                                                                          tmp_path: Path) -> None:
    good = unique_email()
    csv = roster_csv(tmp_path / "auto-bad.csv", [(good, "Cy", "Poe"), ("bad@", "No", "Way")])
    await put(drop_server, "editor", csv, "incoming/auto-bad.csv")
    drop_server.settle()
    assert drop_server.users(good) == []
    assert "not applied: 1 row with errors" in drop_server.outgoing("auto-bad.result.txt")
    # two users, then a file deactivating both: more than the folder's max_deactivations (1)
    leavers = [unique_email(), unique_email()]
    await put(drop_server, "editor", roster_csv(tmp_path / "auto-new.csv", [(e, "X", "Y") for e in leavers]),
              "incoming/auto-new.csv")
    drop_server.settle()
    assert drop_server.users(*leavers) == leavers
    terms = roster_csv(tmp_path / "auto-terms.csv", [(e, "terminated") for e in leavers], header="Email,Status")
    await put(drop_server, "editor", terms, "incoming/auto-terms.csv")
    drop_server.settle()
    result = drop_server.outgoing("auto-terms.result.txt")
    assert "not applied: held by its guards" in result and "deactivates 2 users; the limit is 1" in result
    assert not (drop_server.folder.root / "outgoing" / "auto-terms.plan.json").exists()
    api = drop_server.api
    for email in leavers:
        user = httpx.get(f"{api.url}/Users", params={"filter": f'userName eq "{email}"'}, headers=api.headers())
        assert user.json()["Resources"][0]["active"] is True


async def test_nothing_outside_the_drop_folder_is_reachable(drop_server: DropServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for you")
    os.symlink(secret, drop_server.folder.root / "outgoing" / "link.txt")
    local = roster_csv(tmp_path / "x.csv", [(unique_email(), "A", "B")])
    async with drop_server.connect("editor") as conn, conn.start_sftp_client() as sftp:
        for path in ("../secret.txt", "incoming/../../secret.txt", "/etc/passwd", str(secret), "outgoing/link.txt",
                     "/.owners/x"):
            with pytest.raises(asyncssh.SFTPError):
                await sftp.get(path, str(tmp_path / "got"))
        for path in ("../x.csv", "/tmp/x.csv", "incoming/sub/x.csv", "outgoing/x.csv", "x.csv",
                     "incoming/.hidden.csv", "incoming/bad\x01name.csv", "incoming/" + "n" * 200 + ".csv"):
            with pytest.raises(asyncssh.SFTPError):
                await sftp.put(str(local), path)
        with pytest.raises(asyncssh.SFTPError, match="links"):
            await sftp.symlink(str(secret), "incoming/escape")
        with pytest.raises(asyncssh.SFTPError):
            await sftp.mkdir("incoming/sub")
        assert await sftp.realpath("incoming/../..") == "/" and ".owners" not in await sftp.listdir("/")
    assert not (tmp_path / "got").exists() and not list((drop_server.folder.root / "incoming").glob("*x.csv"))


async def test_a_viewer_reads_outgoing_only_and_no_one_replaces_anothers_file(drop_server: DropServer,
                                                                             tmp_path: Path) -> None:
    local = roster_csv(tmp_path / "never-mine.csv", [(unique_email(), "A", "B")])
    async with drop_server.connect("viewer") as conn, conn.start_sftp_client() as sftp:
        with pytest.raises(asyncssh.SFTPError, match="viewer"):
            await sftp.put(str(local), "incoming/never-mine.csv")
        with pytest.raises(asyncssh.SFTPError, match="viewer"):
            await sftp.listdir("incoming")
        assert "outgoing" in await sftp.listdir("/")
    async with drop_server.connect("viewer") as conn, conn.start_sftp_client(sftp_version=6) as sftp:
        for path in ("incoming/never-mine.csv", "outgoing/never-mine.csv"):  # SFTP 6 opens files another way
            with pytest.raises(asyncssh.SFTPError):
                await sftp.put(str(local), path)
    await put(drop_server, "editor", local, "incoming/never-mine.csv")
    async with drop_server.connect("other") as conn, conn.start_sftp_client() as sftp:
        with pytest.raises(asyncssh.SFTPError, match="dropped by"):
            await sftp.put(str(local), "incoming/never-mine.csv")
        with pytest.raises(asyncssh.SFTPError, match="not dropped by"):
            await sftp.remove("incoming/never-mine.csv")
    drop_server.settle()
    async with drop_server.connect("editor") as conn, conn.start_sftp_client() as sftp:
        await sftp.remove("incoming/never-mine.csv")
        assert "never-mine.csv" not in await sftp.listdir("incoming")


async def test_an_upload_cut_short_is_thrown_away(drop_server: DropServer, tmp_path: Path) -> None:
    first = roster_csv(tmp_path / "never-cut.csv", [(unique_email(), "A", "B")])
    await put(drop_server, "editor", first, "incoming/never-cut.csv")
    drop_server.settle()
    planned = (drop_server.folder.root / "outgoing" / "never-cut.result.txt").stat().st_mtime_ns
    async with drop_server.connect("editor") as conn:
        sftp = await conn.start_sftp_client()
        half = await sftp.open("incoming/never-cut.csv", "wb")
        await half.write(f"Email,First Name,Last Name\n{unique_email()},C,D\n".encode())
        assert "never-cut.csv" in await sftp.listdir("incoming")
        conn.abort()  # the connection drops with the file still open
    uploads = drop_server.folder.root / ".uploads"
    for _ in range(100):  # until the server has seen the connection go
        if not any(uploads.iterdir()):
            break
        await asyncio.sleep(0.05)
    drop_server.settle()
    assert not any(uploads.iterdir())
    assert (drop_server.folder.root / "incoming" / "never-cut.csv").read_text() == first.read_text()
    assert (drop_server.folder.root / "outgoing" / "never-cut.result.txt").stat().st_mtime_ns == planned


async def test_an_upload_too_big_is_refused_and_thrown_away(drop_server: DropServer, tmp_path: Path) -> None:
    big = roster_csv(tmp_path / "never-big.csv", [(unique_email(), "A", "B") for _ in range(200)])
    drop_server.folder.max_upload = 4096  # 200 MB in service: the same rule, a file small enough for a test
    try:
        with pytest.raises(asyncssh.SFTPFailure, match="at most"):
            await put(drop_server, "editor", big, "incoming/never-big.csv")
    finally:
        drop_server.folder.max_upload = MAX_IMPORT_BYTES
    drop_server.settle()
    assert not (drop_server.folder.root / "incoming" / "never-big.csv").exists()
    assert not any((drop_server.folder.root / ".uploads").iterdir())
    assert not (drop_server.folder.root / "outgoing" / "never-big.result.txt").exists()


async def test_an_idle_session_is_closed(drop_server: DropServer) -> None:
    drop_server.folder.idle_timeout = 0.5
    try:
        async with drop_server.connect("viewer") as conn:
            sftp = await conn.start_sftp_client()
            for _ in range(3):  # requests keep it open past the timeout
                await asyncio.sleep(0.3)
                await sftp.listdir("outgoing")
            await asyncio.sleep(1.5)  # none for three times the timeout: closed
            with pytest.raises((asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection, ConnectionError)):
                await sftp.listdir("outgoing")
    finally:
        drop_server.folder.idle_timeout = None


async def test_a_file_that_cannot_be_planned_says_why(drop_server: DropServer, tmp_path: Path) -> None:
    email = unique_email()
    await put(drop_server, "ghost", roster_csv(tmp_path / "auto-ghost.csv", [(email, "A", "B")]),
              "incoming/auto-ghost.csv")
    await put(drop_server, "editor", roster_csv(tmp_path / "auto-nokey.csv", [("A", "B")], header="Given,Family"),
              "incoming/auto-nokey.csv")
    drop_server.settle()
    assert "not planned: no token acts as ghost-" in drop_server.outgoing("auto-ghost.result.txt")
    nokey = drop_server.outgoing("auto-nokey.result.txt")
    assert "not planned: incoming/auto-nokey.csv:1: no column is mapped to email" in nokey
    assert drop_server.users(email) == []


async def test_an_admin_applies_a_waiting_plan_with_roster_apply(drop_server: DropServer, tmp_path: Path) -> None:
    emails = [unique_email(), unique_email()]
    await put(drop_server, "editor", roster_csv(tmp_path / "never-ok.csv", [(e, "A", "B") for e in emails]),
              "incoming/never-ok.csv")
    drop_server.settle()
    assert "not applied (apply = never)" in drop_server.outgoing("never-ok.result.txt")
    assert drop_server.users(*emails) == []
    plan = drop_server.folder.root / "outgoing" / "never-ok.plan.json"
    applied = roster(drop_server.api, tmp_path, "apply", str(plan), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert drop_server.users(*emails) == emails
