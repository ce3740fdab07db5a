"""``roster remove`` end to end against a real ``roster serve`` process of its own (admin counts matter)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from roster_tui.cli.remove_cmd import print_plan
from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.removal_plan import build_removal_plan, parse_keys
from roster_tui.core.scim import ROSTER_USER
from roster_tui.scim.client import RosterClient
from roster_tui.sync.changes import apply_removal
from roster_tui.sync.remover import lookup_filters, plan_removal, read_keys_file
from tests.conftest import RunningServer, give_assignments, start_server, stop_server
from tests.server.helpers import user_body

ASSIGNMENTS = [
    {"course": "Code of Conduct", "status": "completed", "completedAt": "2026-01-20T10:00:00Z"},
    {"course": "Data Privacy", "status": "in_progress"},
    {"course": "Workplace Safety", "status": "not_started"},
    {"course": "Old Course", "status": "cancelled"},
]
ADMIN = [{"value": "Account Admin"}]


@pytest.fixture()
def own(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "srv")
    yield running
    stop_server(running)


@pytest.fixture()
def api(own: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own.url, headers=own.headers(), timeout=10) as client:
        yield client



def roster(server: RunningServer, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROSTER_API_URL": server.url, "ROSTER_API_TOKEN": server.token,
           "ROSTER_CONFIG_DIR": str(tmp / "config"), "ROSTER_DATA_DIR": str(tmp / "data"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", "remove", *args], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def remove_json(server: RunningServer, tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = roster(server, tmp, *args, "--json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def create(api: httpx.Client, email: str, **extra: Any) -> dict[str, Any]:
    response = api.post("/Users", json=user_body(email, **extra))
    assert response.status_code == 201, response.text
    return response.json()


# -- a terms file, planned, applied and planned again ----------------------------------------------------


def test_terms_file_plan_apply_replan(own: RunningServer, api: httpx.Client, tmp_path: Path) -> None:
    ann = create(api, "ann@corp.example", employeeNumber="E100", given="Ann", family="Lee")
    bob = create(api, "bob@corp.example", employeeNumber="E200")
    cat = create(api, "cat@corp.example", employeeNumber="E300")
    create(api, "cy@corp.example", active=False)
    give_assignments(own, ann["id"], ASSIGNMENTS)
    give_assignments(own, cat["id"], ASSIGNMENTS[:1])
    terms = tmp_path / "terms.csv"
    terms.write_text("Employee ID,Email,Termination Date\n"
                     "E100,,2026-03-01\n"
                     ",BOB@corp.example,2026-03-01\n"
                     "\n"
                     "E300,,\n"
                     ",cy@corp.example,\n"
                     ",nobody@corp.example,\n"
                     ",ann@corp.example,\n", encoding="utf-8")

    code, plan = remove_json(own, tmp_path, "--from", str(terms))
    assert code == 1
    assert plan["summary"] == {"deactivate": 3, "delete": 0, "unchanged": 2, "error": 1, "warning": 2}
    assert "applied" not in plan

    code, plan = remove_json(own, tmp_path, "--from", str(terms), "--delete-when-allowed")
    assert code == 1
    assert plan["summary"] == {"deactivate": 2, "delete": 2, "unchanged": 1, "error": 1, "warning": 1}
    rows = {r["line"]: r for r in plan["rows"]}
    assert [(r["key"], r["action"]) for r in plan["rows"]] == [
        ("E100", "deactivate"), ("BOB@corp.example", "delete"), ("E300", "deactivate"),
        ("cy@corp.example", "delete"), ("nobody@corp.example", "error"), ("ann@corp.example", "unchanged")]
    assert set(rows[2]) == {"line", "key", "action", "reason", "cancels", "reports", "errors", "warnings"}
    assert rows[2]["cancels"] == 2 and "1 not started, 1 in progress, 1 completed, 1 cancelled" in rows[2]["reason"]
    assert rows[5]["cancels"] == 0 and rows[5]["reason"] == "has 1 training assignment (1 completed): keeps the records"
    assert rows[3]["reason"] == "no training assignments: nothing to keep"
    assert rows[7]["errors"] == ["no user with email nobody@corp.example"]
    assert "same user as E100" in rows[8]["warnings"][0]

    code, done = remove_json(own, tmp_path, "--from", str(terms), "--delete-when-allowed", "--apply", "--yes")
    assert code == 1  # the unknown key is still an error
    assert done["applied"] == {"ok": 4, "conflict": 0, "failed": 0}
    assert done["summary"] == plan["summary"]
    assert [r.get("result") for r in done["rows"]] == ["ok", "ok", "ok", "ok", None, None]
    got_ann = api.get(f"/Users/{ann['id']}").json()
    assert got_ann["active"] is False
    assert [a["status"] for a in got_ann[ROSTER_USER]["trainingAssignments"]] == [
        "completed", "cancelled", "cancelled", "cancelled"]
    got_cat = api.get(f"/Users/{cat['id']}").json()
    assert got_cat["active"] is False
    assert got_cat[ROSTER_USER]["trainingAssignments"][0]["status"] == "completed"
    assert api.get(f"/Users/{bob['id']}").status_code == 404
    assert api.get("/Users", params={"filter": 'userName eq "cy@corp.example"'}).json()["totalResults"] == 0

    # again: the deactivated users are left as they are; the deleted ones are "already removed", not errors
    code, again = remove_json(own, tmp_path, "--from", str(terms), "--delete-when-allowed")
    assert code == 1  # nobody@ is still unknown
    assert again["summary"] == {"deactivate": 0, "delete": 0, "unchanged": 5, "error": 1, "warning": 5}
    rows = {r["key"]: r for r in again["rows"]}
    day = datetime.now(UTC).date().isoformat()
    assert rows["BOB@corp.example"]["reason"] == rows["cy@corp.example"]["reason"] == f"already removed (deleted {day})"
    assert rows["nobody@corp.example"]["action"] == "error"
    assert (tmp_path / "data" / "removed-users.jsonl").stat().st_mode & 0o777 == 0o600  # it holds emails
    code, rest = remove_json(own, tmp_path, "bob@CORP.example", "cy@corp.example", "--apply", "--yes")
    assert (code, [r["action"] for r in rest["rows"]]) == (0, ["unchanged", "unchanged"])
    # the record is this machine's: elsewhere a key that finds no user is an error, as it must be
    code, elsewhere = remove_json(own, tmp_path / "other-machine", "bob@corp.example")
    assert (code, elsewhere["rows"][0]["errors"]) == (1, ["no user with email bob@corp.example"])
    code, rest = remove_json(own, tmp_path, "E100", "cat@corp.example", "--delete-when-allowed")
    assert code == 0
    assert [r["action"] for r in rest["rows"]] == ["unchanged", "unchanged"]
    assert rest["rows"][0]["warnings"] == ["already inactive"]
    code, rest = remove_json(own, tmp_path, "E100", "--apply", "--yes")
    assert (code, rest["applied"]) == (0, {"ok": 0, "conflict": 0, "failed": 0})


def test_human_plan_lists_counts_then_each_user(own: RunningServer, api: httpx.Client, tmp_path: Path) -> None:
    user = create(api, "dee@corp.example", given="Dee", family="Ng")
    give_assignments(own, user["id"], ASSIGNMENTS[1:2])
    create(api, "eve@corp.example", active=False)
    terms = tmp_path / "terms.txt"
    terms.write_text("dee@corp.example\n\neve@corp.example\nghost@corp.example\n", encoding="utf-8")
    result = roster(own, tmp_path, "--from", str(terms))
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "\x1b[" not in out
    assert "Plan: 1 deactivate, 0 delete, 1 unchanged, 1 error, 1 warning" in out
    assert out.index("Deactivate (1)") < out.index("Unchanged (1)") < out.index("Errors (1)")
    assert "line 1  dee@corp.example  Dee Ng" in out
    assert ("has 1 training assignment (1 in progress): keeps the records; cancels 1 not-yet-completed assignment "
            "(1 in progress)") in out
    assert "warning: already inactive" in out
    assert "no user with email ghost@corp.example" in out
    applied = roster(own, tmp_path, "dee@corp.example", "--apply", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "Applied: 1 ok, 0 conflict, 0 failed" in applied.stdout
    assert api.get(f"/Users/{user['id']}").json()["active"] is False


# -- the last active Account Admin ----------------------------------------------------------------------


def test_last_active_account_admin_is_refused_before_applying(own: RunningServer, api: httpx.Client,
                                                              tmp_path: Path) -> None:
    first = create(api, "admin1@corp.example", roles=ADMIN)
    second = create(api, "admin2@corp.example", roles=ADMIN, employeeNumber="A2")
    code, plan = remove_json(own, tmp_path, "admin1@corp.example", "A2")
    assert code == 1
    assert [r["action"] for r in plan["rows"]] == ["deactivate", "error"]
    assert plan["rows"][1]["errors"] == [
        "admin2@corp.example is the last active Account Admin and cannot be deactivated; "
        "give another active user the Account Admin role first"]
    code, done = remove_json(own, tmp_path, "admin1@corp.example", "A2", "--apply", "--yes")
    assert code == 1 and done["applied"] == {"ok": 1, "conflict": 0, "failed": 0}
    assert api.get(f"/Users/{first['id']}").json()["active"] is False
    assert api.get(f"/Users/{second['id']}").json()["active"] is True
    code, plan = remove_json(own, tmp_path, "A2", "--delete-when-allowed")
    assert code == 1 and "cannot be deleted" in plan["rows"][0]["errors"][0]


def test_apply_reports_conflicts_and_service_refusals_per_row(own: RunningServer, api: httpx.Client) -> None:
    create(api, "boss1@corp.example", roles=ADMIN)
    other = create(api, "boss2@corp.example", roles=ADMIN)
    create(api, "free@corp.example")
    late = create(api, "late@corp.example")

    async def run() -> tuple[list[str], dict[str, int], list[tuple[str, str, str | None]]]:
        async with RosterClient(own.url, own.token) as client:
            plan = await plan_removal(client, parse_keys(["boss1@corp.example", "free@corp.example",
                                                          "late@corp.example"]), delete_when_allowed=True)
            actions = [r.action for r in plan.rows]
            # meanwhile: the other admin leaves, and the training platform assigns a course
            assert api.patch(f"/Users/{other['id']}", json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}]}).status_code == 200
            give_assignments(own, late["id"], ASSIGNMENTS[2:3])
            seen: list[int] = []
            result = await apply_removal(client, plan, on_progress=lambda done, total: seen.append(done))
            assert seen == [1, 2, 3]
            return actions, result.counts(), [(o.row.key, o.status, o.error) for o in result.outcomes]

    actions, counts, outcomes = asyncio.run(run())
    assert actions == ["delete", "delete", "delete"]
    assert counts == {"ok": 1, "conflict": 1, "failed": 1}
    boss, free, late_row = outcomes
    assert boss[:2] == ("boss1@corp.example", "failed") and "last active Account Admin" in (boss[2] or "")
    assert free == ("free@corp.example", "ok", None)
    assert late_row[:2] == ("late@corp.example", "conflict")
    assert api.get(f"/Users/{late['id']}").status_code == 200


# -- arguments, files and the service that cannot be used -----------------------------------------------


def test_unusable_arguments_files_and_service_exit_2(tmp_path: Path) -> None:
    dead = RunningServer("http://127.0.0.1:9/scim/v2", "t", tmp_path / "none.db", None)  # type: ignore[arg-type]
    wide = tmp_path / "wide.csv"
    wide.write_text("First Name,Last Name\nA,B\n", encoding="utf-8")
    empty = tmp_path / "blank.csv"
    empty.write_text("Email\n\n", encoding="utf-8")
    for args, words in ((["a@x.example", "--yes"], "--yes only makes sense"),
                        ([], "nothing to remove"),
                        (["a@x.example", "--from", str(wide)], "not both"),
                        (["--from", str(tmp_path / "missing.csv")], "cannot read the file"),
                        (["--from", str(wide)], "no column holds emails or employee IDs"),
                        (["--from", str(empty)], "no emails or employee IDs"),
                        (["a@x.example", "--apply"], "pass --yes")):
        result = roster(dead, tmp_path, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert words in result.stderr, (args, result.stderr)


def test_unreachable_service_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    import roster_tui.connect as connect
    from roster_tui.cli.main import main

    @asynccontextmanager
    async def no_retries(settings: Any) -> AsyncIterator[RosterClient]:
        async with RosterClient(settings.url, settings.token, max_retries=0) as client:
            yield client

    monkeypatch.setattr(connect, "open_client", no_retries)
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["remove", "--api", "http://127.0.0.1:9/scim/v2", "a@x.example"]) == 2
    assert "Cannot reach the roster API" in capsys.readouterr().err


def test_read_keys_file_plain_lists_and_csv(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("a@x.example\n\nE7\r\n  b@x.example  \n", encoding="utf-8")
    assert [(k.raw, k.line) for k in read_keys_file(plain)] == [("a@x.example", 1), ("E7", 3),
                                                                ("b@x.example", 4)]
    headed = tmp_path / "headed.csv"
    headed.write_text("\ufeffWork Email\na@x.example\n'=E8\n", encoding="utf-8")
    assert [(k.raw, k.line) for k in read_keys_file(headed)] == [("a@x.example", 2), ("=E8", 3)]
    both = tmp_path / "both.csv"
    both.write_text("Name;Emp No;E-mail\nA;E1;\nB;E2;b@x.example\nC;;\n", encoding="utf-8")
    assert [(k.raw, k.line) for k in read_keys_file(both)] == [("E1", 2), ("b@x.example", 3)]
    wide = tmp_path / "wide.csv"
    wide.write_text("Name,Department\nA,Sales\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no column holds"):
        read_keys_file(wide)


def test_read_keys_file_drops_comments_and_the_text_around_a_key(tmp_path: Path) -> None:
    """A list pasted from mail or notes: ``roster remove --from`` and the console's ``T`` read the same keys."""
    pasted = tmp_path / "pasted.txt"
    pasted.write_text("# terms, November\ncharles.daniels@acme.example  # last day 11/30\n"
                      "Dana Smith <dana.smith@acme.example>, left 12/01\nE100045 (contractor)\n# done\n",
                      encoding="utf-8")
    assert [(k.raw, k.line) for k in read_keys_file(pasted)] == [
        ("charles.daniels@acme.example", 2), ("dana.smith@acme.example", 3), ("E100045", 4)]
    keyed = tmp_path / "keyed.txt"  # the first line's commas do not make it a header without key columns
    keyed.write_text("Lee, Ann <ann.lee@acme.example>\nbo@acme.example\n", encoding="utf-8")
    assert [k.raw for k in read_keys_file(keyed)] == ["ann.lee@acme.example", "bo@acme.example"]


def test_lookups_are_batched_by_fifty() -> None:
    ks = parse_keys([f"u{i}@x.example" for i in range(120)] + ["E1", 'E"2'])
    filters = lookup_filters(ks)
    assert [f.count(" eq ") for f in filters] == [50, 50, 20, 2]
    assert filters[0].startswith('userName eq "u0@x.example" or userName eq ')
    assert filters[3] == ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E\\"2" or '
                          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E1"')


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plan_is_coloured_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    ks = parse_keys(["ghost@x.example"])
    plan = build_removal_plan(ks, [])
    tty, piped = _Tty(), io.StringIO()
    print_plan("arguments", ks, plan, tty)
    print_plan("arguments", ks, plan, piped)
    assert "\x1b[31m" in tty.getvalue() and "\x1b[" not in piped.getvalue()
    assert "no user with email ghost@x.example" in piped.getvalue()
