"""``roster remove`` of a user who manages others: the plan says how many, and a deletion clears their manager."""

from __future__ import annotations

from pathlib import Path

import httpx

from roster_tui.core.scim import ENTERPRISE_USER
from tests.cli.test_remove import api, own, remove_json, roster  # noqa: F401 (fixtures)
from tests.conftest import RunningServer
from tests.server.helpers import unique, user_body


def _team(client: httpx.Client, size: int) -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
    boss = client.post("/Users", json=user_body(f"boss.{unique()}@x.example")).json()
    reports = [client.post("/Users", json=user_body(f"r{n}.{unique()}@x.example",
                                                 **{ENTERPRISE_USER: {"manager": {"value": boss["id"]}}})).json()
               for n in range(size)]
    return boss, reports


def test_the_plan_says_how_many_users_a_listed_manager_manages(own: RunningServer, api: httpx.Client,  # noqa: F811
                                                               tmp_path: Path) -> None:
    boss, _reports = _team(api, 3)
    _code, plan = remove_json(own, tmp_path, boss["userName"])
    assert [(r["action"], r["reports"]) for r in plan["rows"]] == [("deactivate", 3)]
    human = roster(own, tmp_path, boss["userName"]).stdout
    assert "manages 3 users (their manager stays as it is)" in human
    deleting = roster(own, tmp_path, boss["userName"], "--delete-when-allowed").stdout
    assert "manages 3 users: deleting clears their manager" in deleting


def test_deleting_a_manager_clears_the_manager_of_each_report(own: RunningServer, api: httpx.Client,  # noqa: F811
                                                              tmp_path: Path) -> None:
    boss, reports = _team(api, 2)
    code, plan = remove_json(own, tmp_path, boss["userName"], "--delete-when-allowed", "--apply", "--yes")
    assert code == 0 and plan["applied"]["ok"] == 1
    assert api.get(f"/Users/{boss['id']}").status_code == 404
    for report in reports:
        now = api.get(f"/Users/{report['id']}").json()
        assert "manager" not in now.get(ENTERPRISE_USER, {})
