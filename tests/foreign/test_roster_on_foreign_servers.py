"""The roster's client on SCIM servers the project did not write: the CLI exports, plans, applies and removes,
and the console browses, searches and saves a profile; what a server lacks steps aside, nothing fails whole."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import create_app
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.roster import RosterScreen
from tests.foreign.launch import ScimServer
from tests.tui.conftest import settle, wait_for
from tests.tui.test_profile_screen import banner, field, set_field


def roster(server: ScimServer, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROSTER_API_URL": server.base_url, "ROSTER_API_TOKEN": server.token,
           "ROSTER_CONFIG_DIR": str(tmp / "config"), "ROSTER_DATA_DIR": str(tmp / "data"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def plan_of(server: ScimServer, tmp: Path, *args: str) -> dict[str, Any]:
    result = roster(server, tmp, "import", *args, "--json")
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def user_named(server: ScimServer, user_name: str) -> dict[str, Any]:
    with httpx.Client(base_url=server.base_url, headers=server.headers(), timeout=10) as http:
        found = http.get("/Users", params={"filter": f'userName eq "{user_name}"'}).json()["Resources"]
        assert len(found) == 1, found
        return http.get(f"/Users/{found[0]['id']}").json()


def test_import_apply_export_and_remove(foreign_server: ScimServer, tmp_path: Path) -> None:
    tag = secrets.token_hex(3)
    emails = [f"hire{n}.{tag}@example.com" for n in range(3)]
    hires = tmp_path / "hires.csv"
    hires.write_text("Email,First Name,Last Name,Title,Hire Date\n" + "".join(
        f"{e},Hire{n},Zz{tag}{n},Analyst,2026-01-0{n + 1}\n" for n, e in enumerate(emails)), encoding="utf-8")
    plan = plan_of(foreign_server, tmp_path, str(hires), "--apply", "--yes")
    assert plan["summary"]["create"] == 3 and plan["summary"]["error"] == 0
    assert "the server has no hire date: Hire Date (column E) is not imported" in plan["notes"]
    assert plan["applied"] == {"ok": 3, "conflict": 0, "failed": 0}
    assert user_named(foreign_server, emails[0])["name"]["familyName"] == f"Zz{tag}0"

    again = plan_of(foreign_server, tmp_path, str(hires))  # applied: nothing left to do (what is kept)
    assert again["summary"]["create"] == 0
    assert [g["text"] for g in plan["groups"]] == ["new users: 3 users with no department"]
    one = tmp_path / "one.csv"  # a third of the rows with the same mapping: no journal to compare with here
    one.write_text(hires.read_text(encoding="utf-8").splitlines()[0] + "\n" + f"{emails[0]},Hire0,Zz{tag}0,Lead,\n",
                   encoding="utf-8")
    shaped = plan_of(foreign_server, tmp_path, str(one))
    assert shaped["anomalies"] == [] and [(g["field"], g["after"]) for g in shaped["groups"]] == [("title", "Lead")]

    out = tmp_path / "all.csv"
    exported = roster(foreign_server, tmp_path, "export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert all(e in text for e in emails) and f"Zz{tag}1" in text

    renamed = tmp_path / "renamed.csv"
    renamed.write_text(f"Email,First Name\n{emails[1]},Renamed\n", encoding="utf-8")
    plan = plan_of(foreign_server, tmp_path, str(renamed), "--apply", "--yes")
    assert plan["summary"]["update"] == 1 and plan["applied"]["ok"] == 1, plan
    assert user_named(foreign_server, emails[1])["name"]["givenName"] == "Renamed"

    removed = roster(foreign_server, tmp_path, "remove", emails[2], "--apply", "--yes", "--json")
    assert json.loads(removed.stdout)["applied"] == {"ok": 1, "conflict": 0, "failed": 0}, removed.stderr
    assert user_named(foreign_server, emails[2])["active"] is False


async def test_the_console_browses_searches_and_saves(foreign_server: ScimServer) -> None:
    tag = secrets.token_hex(3)
    async with RosterClient(foreign_server.base_url, foreign_server.token) as api:
        created = await api.create_user({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"console.{tag}@example.com",
            "name": {"givenName": "Cora", "familyName": f"Console{tag}"},
            "emails": [{"value": f"console.{tag}@example.com", "type": "work", "primary": True}]})
    client = RosterClient(foreign_server.base_url, foreign_server.token, max_retries=0)
    app = create_app(client, source=foreign_server.base_url)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen) and screen.table.total
        assert "users" in str(screen.query_one("#counts").render())
        await pilot.press("slash", *f"Console{tag}", "enter")
        await wait_for(pilot, lambda: screen.table.total == 1)
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await settle(pilot)
        profile = app.screen
        assert field(profile, "last_name").value == f"Console{tag}"
        await set_field(pilot, profile, "first_name", "Corinne")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved" in banner(profile), banner(profile)
    await client.aclose()
    async with RosterClient(foreign_server.base_url, foreign_server.token) as api:
        stored = await api.get_user(created["id"])
    assert stored is not None and stored["name"]["givenName"] == "Corinne"


def test_saved_plans_apply_and_the_journal_steps_aside(foreign_server: ScimServer, tmp_path: Path) -> None:
    tag = secrets.token_hex(3)
    hires = tmp_path / "later.csv"
    hires.write_text(f"Email,First Name,Last Name\nlater.{tag}@example.com,Later,Yy{tag}\n", encoding="utf-8")
    saved = roster(foreign_server, tmp_path, "import", str(hires), "--out", str(tmp_path / "plan.json"))
    assert saved.returncode == 1 and "roster apply" in saved.stderr, saved.stderr
    applied = roster(foreign_server, tmp_path, "apply", str(tmp_path / "plan.json"), "--yes")
    assert applied.returncode == 0 and "1 ok" in applied.stdout, applied.stdout + applied.stderr
    assert user_named(foreign_server, f"later.{tag}@example.com")["name"]["familyName"] == f"Yy{tag}"
    for args in (("changes",), ("undo", "1"), ("resume", "1", "--yes")):
        result = roster(foreign_server, tmp_path, *args)
        assert result.returncode == 2 and "keeps no change journal" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
