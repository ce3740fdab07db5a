"""``roster import / export / template`` end to end against a real ``roster serve`` process."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import POSTGRES_URL, RunningServer, new_postgres_database, start_server, stop_server

FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"


def env_for(server: RunningServer, tmp: Path) -> dict[str, str]:
    return {**os.environ, "ROSTER_API_URL": server.url, "ROSTER_API_TOKEN": server.token,
            "ROSTER_CONFIG_DIR": str(tmp / "config"), "ROSTER_DATA_DIR": str(tmp / "data"), "NO_COLOR": "1"}


def roster(server: RunningServer, tmp: Path, *args: str, stdin: str | None = None,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=env_for(server, tmp),
                          capture_output=True, text=True, timeout=120, input=stdin or "")


def plan_json(server: RunningServer, tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = roster(server, tmp, "import", *args, "--json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def tag() -> str:
    return uuid.uuid4().hex[:8]


def count(server: RunningServer, prefix: str) -> tuple[int, int]:
    """(users whose userName starts with prefix, distinct userNames among them)."""
    seen: list[str] = []
    start = 1
    while True:
        body = httpx.get(f"{server.url}/Users", headers=server.headers(), timeout=30, params={
            "filter": f'userName sw "{prefix}"', "startIndex": start, "count": 1000,
            "attributes": "userName"}).json()
        seen += [r["userName"] for r in body.get("Resources", [])]
        start += len(body.get("Resources", []))
        if not body.get("Resources") or start > body["totalResults"]:
            return len(seen), len(set(seen))


def write(tmp: Path, text: str, name: str = "in.csv") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_plan_apply_replan(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    path = write(tmp_path, "Email,First Name,Last Name,Title,Manager,Is Admin\n"
                           f"boss{t}@x.example,Bo,Ss,CEO,,yes\n"
                           f"a{t}@x.example,A,A,'=Dev,boss{t}@x.example,\n"
                           f"bad{t}@,B,B,,,\n")
    code, plan = plan_json(server, tmp_path, str(path))
    assert code == 1
    assert plan["summary"] == {"create": 2, "update": 0, "reactivate": 0, "deactivate": 0, "unchanged": 0,
                               "error": 1, "warning": 0}
    rows = {r["line"]: r for r in plan["rows"]}
    assert rows[3]["changes"]["title"] == [None, "=Dev"]
    assert rows[3]["changes"]["manager"] == [None, f"boss{t}@x.example"]
    assert rows[4]["action"] == "error" and rows[4]["errors"][0].startswith("Email (column A)")
    assert set(rows[2]) == {"line", "action", "key", "changes", "errors", "warnings"}

    result = roster(server, tmp_path, "import", str(path), "--apply")
    assert result.returncode == 2 and "--yes" in result.stderr

    errors = tmp_path / "errors.csv"
    code, applied = plan_json(server, tmp_path, str(path), "--apply", "--yes", "--errors-csv", str(errors))
    assert applied["applied"] == {"ok": 2, "conflict": 0, "failed": 0}
    assert code == 1  # the bad row was not applied
    assert errors.read_text(encoding="utf-8-sig").splitlines()[1].startswith(f"bad{t}@,B,B,")

    write(tmp_path, "Email,Title,Status\n" f"a{t}@x.example,Senior Dev,\n" f"boss{t}@x.example,,inactive\n",
          "second.csv")
    human = roster(server, tmp_path, "import", str(tmp_path / "second.csv"))
    assert human.returncode == 1
    assert "1 update" in human.stdout and "1 deactivate" in human.stdout
    assert "title: =Dev -> Senior Dev" in human.stdout and "\x1b[" not in human.stdout
    assert "status: active -> inactive" in human.stdout
    code, done = plan_json(server, tmp_path, str(tmp_path / "second.csv"), "--apply", "--yes")
    assert code == 0 and done["applied"] == {"ok": 2, "conflict": 0, "failed": 0}
    code, again = plan_json(server, tmp_path, str(tmp_path / "second.csv"))
    assert code == 0 and again["summary"]["unchanged"] == 2


def test_spreadsheet_fixtures(server: RunningServer, tmp_path: Path) -> None:
    code, plan = plan_json(server, tmp_path, str(FIXTURES / "excel_utf8_bom.csv"))
    assert code == 1
    assert [r["action"] for r in plan["rows"]] == ["create", "create", "create"]
    assert plan["rows"][0]["changes"]["first_name"] == [None, "Zoë"]
    assert plan["rows"][1]["changes"]["status"] == [None, "inactive"]
    assert plan["rows"][2]["key"] == "=sum@acme.example"  # the export's leading ' is removed
    assert plan["rows"][2]["changes"]["title"] == [None, '=HYPERLINK("x")']
    human = roster(server, tmp_path, "import", str(FIXTURES / "excel_utf8_bom.csv"))
    assert "Admin Role (column I): looks like admin access" in human.stdout
    assert "UTF-8 with BOM" in human.stdout

    code, plan = plan_json(server, tmp_path, str(FIXTURES / "excel_semicolon.csv"), "--date-format", "%d.%m.%Y")
    assert [r["action"] for r in plan["rows"]] == ["error", "create"]
    assert "unknown status 'aktiv'" in plan["rows"][0]["errors"][0]
    assert plan["rows"][1]["changes"]["hire_date"] == [None, "2024-02-01"]
    assert plan["rows"][1]["changes"]["location"] == [None, "Warsaw; PL"]

    code, plan = plan_json(server, tmp_path, str(FIXTURES / "unicode_text_utf16.txt"))
    assert plan["rows"][1]["changes"]["last_name"] == [None, "Østergaard"]
    code, plan = plan_json(server, tmp_path, str(FIXTURES / "legacy_cp1252.csv"))
    assert plan["rows"][1]["changes"]["title"] == [None, "Team’s Lead"]
    assert "1252" in roster(server, tmp_path, "import", str(FIXTURES / "legacy_cp1252.csv")).stdout
    code, plan = plan_json(server, tmp_path, str(FIXTURES / "quoted_newlines.csv"))
    assert [r["line"] for r in plan["rows"]] == [2, 5, 6, 9]


@pytest.mark.parametrize(("args", "message"), [
    (["empty.csv"], "empty.csv: the file is empty"),
    (["binary_workbook.csv"], "not a text file"),
    (["legacy_cp1252.csv", "--sync-key", "employee-id"], "no column is mapped to employee_id"),
    (["legacy_cp1252.csv", "--map", "Title=salary"], "unknown field 'salary'"),
    (["legacy_cp1252.csv", "--date-format", "%Y"], "needs a day"),
    (["missing.csv"], "cannot read the file"),
])
def test_unusable_input_exits_2(server: RunningServer, tmp_path: Path, args: list[str], message: str) -> None:
    result = roster(server, tmp_path, "import", str(FIXTURES / args[0]), *args[1:])
    assert result.returncode == 2 and message in result.stderr and not result.stdout


def test_unreachable_service_exits_2(server: RunningServer, tmp_path: Path) -> None:
    result = roster(server, tmp_path, "import", str(FIXTURES / "legacy_cp1252.csv"), "--api",
                    "http://127.0.0.1:9/scim/v2")
    assert result.returncode == 2 and "could not be used" in result.stderr
    assert "Check --api" in result.stderr


def test_mapping_overrides_and_saved_mapping(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    path = write(tmp_path, f"Mail,Vorname,Nachname\nm{t}@x.example,Max,Muster\n")
    _code, plan = plan_json(server, tmp_path, str(path), "--map", "Mail=email", "--map", "Vorname=first_name",
                           "--map", "Nachname=last_name")
    assert plan["summary"]["create"] == 1
    saved = roster(server, tmp_path, "import", str(path), "--map", "Mail=email", "--map", "Vorname=first_name",
                   "--map", "Nachname=last_name", "--save-mapping", "german")
    assert (tmp_path / "config" / "mappings" / "german.toml").exists(), saved.stderr
    _code, plan = plan_json(server, tmp_path, str(path), "--mapping", "german")
    assert plan["summary"]["create"] == 1


def test_export_import_round_trip_and_template(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    path = write(tmp_path, "Email,Employee ID,First Name,Last Name,Title,Department,Manager,Hire Date,Status\n"
                           f"x{t}@x.example,X{t},Xa,Ya,@home,-ops,,2001-02-03,\n"
                           f"y{t}@x.example,,Yb,Zb,+1,Eng,x{t}@x.example,,inactive\n")
    assert plan_json(server, tmp_path, str(path), "--apply", "--yes")[1]["applied"]["ok"] == 2
    out = tmp_path / "export.csv"
    result = roster(server, tmp_path, "export", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_bytes().decode("utf-8-sig")
    assert text.startswith("Email,Employee ID,First Name,Last Name,Title,Department,Division,Location,"
                           "Manager,Hire Date,Status\r\n")
    assert f"x{t}@x.example,X{t},Xa,Ya,'@home,'-ops,,,,2001-02-03,active" in text
    code, plan = plan_json(server, tmp_path, str(out))
    assert code == 0, plan["summary"]
    assert plan["summary"]["create"] == plan["summary"]["update"] == plan["summary"]["error"] == 0
    active = roster(server, tmp_path, "export", "--status", "inactive")
    starts = [line.split(",")[0] for line in active.stdout.splitlines()]
    assert f"y{t}@x.example" in starts and f"x{t}@x.example" not in starts
    template = roster(server, tmp_path, "template")
    assert template.stdout == text.splitlines()[0] + "\n"  # text mode: CRLF read as \n
    assert roster(server, tmp_path, "template", "-o", str(tmp_path / "t.csv")).returncode == 0
    assert (tmp_path / "t.csv").read_bytes() == b"\xef\xbb\xbf" + text.splitlines()[0].encode() + b"\r\n"


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "srv")
    yield running
    stop_server(running)


def test_full_sync_guard_and_force(private_server: RunningServer, tmp_path: Path) -> None:
    rows = "".join(f"u{i}@x.example,U,{i}\n" for i in range(10))
    path = write(tmp_path, "Email,First Name,Last Name\n" + rows)
    assert plan_json(private_server, tmp_path, str(path), "--apply", "--yes")[0] == 0
    fewer = write(tmp_path, "Email\n" + "".join(f"u{i}@x.example\n" for i in range(7)), "fewer.csv")
    result = roster(private_server, tmp_path, "import", str(fewer), "--deactivate-missing", "--apply", "--yes")
    assert result.returncode == 3 and "!! HELD: the full sync deactivates 3 of 10 active users (30%)" in result.stdout
    assert result.stderr.splitlines() == [
        "roster: held, nothing written: the full sync deactivates 3 of 10 active users (30%); the limit is 20% "
        "(guards.full_sync_share, the default): check that the file is the whole roster. Pass --force to go ahead, "
        "or raise the limit (--full-sync-share PCT, or off)"]
    code, plan = plan_json(private_server, tmp_path, str(fewer), "--deactivate-missing", "--apply", "--yes")
    assert code == 3 and "applied" not in plan and plan["summary"]["deactivate"] == 3  # held: nothing written
    assert [(g["guard"], g["count"], g["limit"]) for g in plan["held"]] == [("full_sync_share", 3, 20)]
    code, plan = plan_json(private_server, tmp_path, str(fewer))
    assert code == 0 and plan["summary"]["deactivate"] == 0  # missing users are left alone
    human = roster(private_server, tmp_path, "import", str(fewer), "--deactivate-missing", "--force")
    assert "FULL SYNC: 3 users missing from the file will be DEACTIVATED" in human.stdout
    code, plan = plan_json(private_server, tmp_path, str(fewer), "--deactivate-missing", "--force",
                           "--apply", "--yes")
    missing = [r for r in plan["rows"] if r["line"] is None]
    assert [r["key"] for r in missing] == ["u7@x.example", "u8@x.example", "u9@x.example"]
    assert plan["held"] == [] and [g["guard"] for g in plan["forced"]] == ["full_sync_share"]
    assert plan["applied"] == {"ok": 3, "conflict": 0, "failed": 0} and code == 0


def stop_gracefully(server: RunningServer) -> None:
    """Stop ``roster serve`` as an operator would (SIGTERM): it finishes the requests it is still handling, even
    those whose client is gone, then exits. After this, every write that was going to commit has."""
    server.process.terminate()
    # uvicorn exits by raising the signal again once its graceful shutdown is over
    assert server.process.wait(120) in (0, -signal.SIGTERM)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_interrupted_apply_resumes_without_duplicates(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)")
    first = start_server(tmp_path / "first", db=new_postgres_database() if backend == "postgresql" else None)
    t = tag()
    n = 4000
    prefix = f"kill{t}."
    path = write(tmp_path, "Email,Employee ID,First Name,Last Name,Department\n" + "".join(
        f"{prefix}{i:05d}@x.example,K{t}{i},Kim,No{i},Dept {i % 7}\n" for i in range(n)))
    try:
        process = subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "import", str(path), "--apply",
                                    "--yes", "--json"], env=env_for(first, tmp_path), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        killed_at = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            killed_at = count(first, prefix)[0]
            if killed_at > 0:  # the first users are written: kill the importer with more on the way
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        process.wait(30)
        assert process.returncode == -signal.SIGKILL, "the import finished before it could be interrupted"
    finally:
        stop_gracefully(first)  # a bulk request in flight when the importer died commits now, or never
    server = start_server(tmp_path / "second", db=first.db)
    try:
        created = count(server, prefix)[0]
        assert killed_at <= created < n
        code, plan = plan_json(server, tmp_path, str(path))
        assert code == 1
        assert plan["summary"]["create"] == n - created and plan["summary"]["unchanged"] == created
        code, done = plan_json(server, tmp_path, str(path), "--apply", "--yes")
        assert code == 0 and done["applied"]["ok"] == n - created
        assert count(server, prefix) == (n, n)
        assert plan_json(server, tmp_path, str(path))[1]["summary"]["unchanged"] == n
    finally:
        stop_server(server)


def test_the_roster_command_is_installed() -> None:
    assert shutil.which("roster") or Path(sys.executable).with_name("roster").exists()


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
@pytest.mark.parametrize("applied", [False, True])
def test_streamed_json_is_byte_for_byte_the_contract(chunk: int, applied: bool) -> None:
    """--json is written row by row; the bytes are exactly orjson's dump of the one JSON object."""
    import orjson

    from roster_tui.cli.import_cmd import plan_json, write_plan_json
    from roster_tui.core.guards import Limits, hold
    from roster_tui.core.key_scan import scan_keys
    from roster_tui.core.mapping import resolve_mapping
    from roster_tui.core.models import SyncKey
    from roster_tui.core.plan import build_plan
    from roster_tui.core.plan_shape import plan_groups
    from roster_tui.core.roster import RosterEntry, RosterIndex
    from roster_tui.core.validation import RowValidator
    from roster_tui.sync.apply import ApplyResult

    header = ["Email", "First Name", "Last Name", "Title", "Status"]
    rows = [(2, ["u1@x.example", "", "", "Dev", ""]), (3, ["new@x.example", "N", "U", "", "inactive"]),
            (4, ["bad", "", "", "", ""]), (5, ["u2@x.example", "", "", "", ""])]
    mapping = resolve_mapping(header, {})
    index = RosterIndex(complete=True)
    for i in (1, 2):
        index.add(RosterEntry(id=f"id{i}", version='W/"1"', email=f"u{i}@x.example", first_name="A",
                              last_name="B", title="Boss"))
    validate = RowValidator(mapping, SyncKey.EMAIL)
    plan = build_plan([validate(n, c) for n, c in rows], index, scan_keys(rows, mapping), SyncKey.EMAIL)
    hold(plan, Limits(max_share=10), roster=2)  # one update of two users: held
    plan.groups = plan_groups(plan)
    result = ApplyResult() if applied else None
    out = io.BytesIO()
    write_plan_json(plan, result, out, chunk=chunk)
    assert out.getvalue() == orjson.dumps(plan_json(plan, result)) + b"\n"
    decoded = json.loads(out.getvalue())
    keys = ["summary", "notes", "held", "forced", "anomalies", "groups", "rows"]
    assert list(decoded) == ([*keys, "applied"] if applied else keys)
    assert [r["action"] for r in decoded["rows"]] == ["update", "create", "error", "unchanged"]
    assert [g["guard"] for g in decoded["held"]] == ["max_share"] and decoded["forced"] == []
    assert decoded["rows"][1]["changes"]["status"] == [None, "inactive"]
    assert [g["text"] for g in decoded["groups"]] == ["new users: 1 user with no department",
                                                      "title: 1 user Boss → Dev"]
    empty = build_plan([], index, scan_keys([], mapping), SyncKey.EMAIL)
    out = io.BytesIO()
    write_plan_json(empty, None, out, chunk=chunk)
    assert out.getvalue() == orjson.dumps(plan_json(empty)) + b"\n"
