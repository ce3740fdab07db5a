"""``roster import --out`` / ``roster apply``, ``roster changes`` and ``roster undo`` against the real service (both
backends), as an admin types them, and what they say of bad input: one line, exit 2, nothing written."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx

from tests.cli.test_import import roster, tag, write
from tests.conftest import RunningServer, start_server, stop_server


def user(server: RunningServer, email: str) -> dict[str, object] | None:
    found = httpx.get(f"{server.url}/Users", headers=server.headers(),
                      params={"filter": f'userName eq "{email}"'}).json()["Resources"]
    return found[0] if found else None


def test_a_saved_plan_is_applied_later_with_conflicts_for_users_changed_since(
        server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    a, b = f"a{t}@x.example", f"b{t}@x.example"
    assert roster(server, tmp_path, "import", str(write(tmp_path, f"Email,First Name,Last Name,Title\n"
                                                                  f"{a},A,A,Dev\n{b},B,B,Ops\n")),
                  "--apply", "--yes").returncode == 0
    later = write(tmp_path, f"Email,First Name,Last Name,Title\n{a},A,A,Lead\n{b},B,B,Boss\n"
                            f"c{t}@x.example,C,C,New\n", "later.csv")
    plan = tmp_path / "plan.json"
    saved = roster(server, tmp_path, "import", str(later), "--out", str(plan))
    assert saved.returncode == 1 and f"roster apply {plan}" in saved.stderr
    assert stat.S_IMODE(plan.stat().st_mode) == 0o600
    assert user(server, f"c{t}@x.example") is None  # --out writes nothing to the roster
    b_id = str(user(server, b)["id"])  # type: ignore[index]
    httpx.patch(f"{server.url}/Users/{b_id}", headers=server.headers(), json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Changed meanwhile"}]}).raise_for_status()
    applied = roster(server, tmp_path, "apply", str(plan), "--yes")
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert "Applied: 2 ok, 1 conflict, 0 failed" in applied.stdout and f"{b}: conflict" in applied.stdout
    assert (user(server, a)["title"], user(server, b)["title"]) == ("Lead", "Changed meanwhile")  # type: ignore[index]
    change = int(applied.stdout.rsplit("recorded as change ", 1)[1].split()[0])
    listed = roster(server, tmp_path, "changes")
    assert listed.returncode == 0 and f"{change:>5}" in listed.stdout and "later.csv" in listed.stdout
    shown = roster(server, tmp_path, "changes", str(change))
    assert f"c{t}@x.example" in shown.stdout and "title: Dev -> Lead" in shown.stdout


def test_a_plan_of_another_service_is_refused_whole(server: RunningServer, tmp_path: Path) -> None:
    path = write(tmp_path, f"Email,First Name,Last Name\nz{tag()}@x.example,Z,Z\n")
    plan = tmp_path / "plan.json"
    assert roster(server, tmp_path, "import", str(path), "--out", str(plan)).returncode == 1
    other = start_server(tmp_path / "other")
    try:
        refused = roster(other, tmp_path, "apply", str(plan), "--yes")
    finally:
        stop_server(other)
    assert refused.returncode == 2 and "made against" in refused.stderr and "Traceback" not in refused.stderr


def test_undo_previews_then_takes_an_import_back(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    first = write(tmp_path, f"Email,First Name,Last Name,Title\nu{t}@x.example,U,U,Dev\n")
    assert roster(server, tmp_path, "import", str(first), "--apply", "--yes").returncode == 0
    second = write(tmp_path, f"Email,First Name,Last Name,Title,Status\nu{t}@x.example,U,U,Lead,inactive\n"
                             f"n{t}@x.example,N,N,New,\n", "second.csv")
    done = roster(server, tmp_path, "import", str(second), "--apply", "--yes")
    change = int(done.stdout.rsplit("recorded as change ", 1)[1].split()[0]) if "recorded as" in done.stdout \
        else json.loads(roster(server, tmp_path, "changes", "--json").stdout)[0]["id"]
    preview = roster(server, tmp_path, "undo", str(change))
    assert preview.returncode == 1, preview.stderr
    assert "title: Lead -> Dev" in preview.stdout and "status: inactive -> active" in preview.stdout
    assert f"n{t}@x.example" in preview.stdout and "created by the change" in preview.stdout
    assert user(server, f"n{t}@x.example") is not None  # a preview writes nothing
    undone = roster(server, tmp_path, "undo", str(change), "--apply", "--yes")
    assert undone.returncode == 0 and "Applied: 2 ok" in undone.stdout, undone.stdout + undone.stderr
    back = user(server, f"u{t}@x.example")
    assert back is not None and (back["title"], back["active"]) == ("Dev", True)
    assert user(server, f"n{t}@x.example") is None


def test_bad_plan_files_and_changes_say_so_in_one_line(server: RunningServer, tmp_path: Path) -> None:
    cases = {"not-json.json": "not JSON", "other.json": "not a saved roster plan",
             "damaged.json": "damaged", "rows.json": "damaged"}
    (tmp_path / "not-json.json").write_bytes(b"\xff\xfe=cmd|' /C calc'!A0")
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    (tmp_path / "damaged.json").write_text('{"format": "roster-plan/1", "kind": "import"}')
    (tmp_path / "rows.json").write_text('{"format": "roster-plan/1", "kind": "import", "service": "x", '
                                        '"rows": [{"line": 1, "action": "create", "key": "k", "bogus": 1, '
                                        '"changes": 5}]}')
    for name, says in cases.items():
        result = roster(server, tmp_path, "apply", str(tmp_path / name), "--yes")
        assert result.returncode == 2 and says in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    missing = roster(server, tmp_path, "apply", str(tmp_path / "nowhere.json"), "--yes")
    assert missing.returncode == 2 and "nowhere.json" in missing.stderr
    for args in (("undo", "987654321"), ("resume", "987654321", "--yes"), ("changes", "987654321")):
        result = roster(server, tmp_path, *args)
        assert result.returncode == 2 and "987654321" in result.stderr and "Traceback" not in result.stderr, args
    both = roster(server, tmp_path, "import", "x.csv", "--out", "p.json", "--apply")
    assert both.returncode == 2 and "--out" in both.stderr


def test_a_held_plan_is_not_saved(server: RunningServer, tmp_path: Path) -> None:
    email = f"h{tag()}@x.example"
    assert roster(server, tmp_path, "import", str(write(tmp_path, f"Email,First Name,Last Name\n{email},H,H\n")),
                  "--apply", "--yes").returncode == 0
    plan = tmp_path / "held.json"
    held = roster(server, tmp_path, "remove", email, "--max-deactivations", "0", "--out", str(plan))
    assert held.returncode == 3 and "limit is 0" in held.stderr and not plan.exists(), held.stderr
    forced = roster(server, tmp_path, "remove", email, "--max-deactivations", "0", "--force", "--out", str(plan))
    assert forced.returncode == 1 and plan.exists(), forced.stderr


def test_a_tampered_plan_reaches_no_other_endpoint(server: RunningServer, tmp_path: Path) -> None:
    email = f"p{tag()}@x.example"
    path = write(tmp_path, f"Email,First Name,Last Name,Title\n{email},P,P,Dev\n")
    assert roster(server, tmp_path, "import", str(path), "--apply", "--yes").returncode == 0
    plan = tmp_path / "plan.json"
    roster(server, tmp_path, "import", str(write(tmp_path, f"Email,First Name,Last Name,Title\n{email},P,P,Lead\n",
                                                 "2.csv")), "--out", str(plan))
    document = json.loads(plan.read_text())
    for hostile in ("../Groups/x", "x?attributes=id", "a/b", "", 7):
        document["rows"][0]["user_id"] = hostile
        plan.write_text(json.dumps(document))
        result = roster(server, tmp_path, "apply", str(plan), "--yes")
        assert result.returncode == 2 and "damaged" in result.stderr, (hostile, result.stderr)
    assert user(server, email)["title"] == "Dev"  # type: ignore[index]
