"""``roster import`` says what each deactivation cancels of a user's training and what a reactivation restores."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cli.test_import import plan_json, roster, write
from tests.conftest import RunningServer, give_assignments
from tests.server.helpers import unique, user_body

OPEN = [{"course": "Privacy", "status": "not_started"}, {"course": "Safety", "status": "in_progress"},
        {"course": "Conduct", "status": "completed", "completedAt": "2026-01-20T10:00:00Z"}]


def test_the_plan_says_what_deactivation_cancels_and_reactivation_restores(server: RunningServer,
                                                                            tmp_path: Path) -> None:
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=10) as api:
        leaving = api.post("/Users", json=user_body(f"leaving.{unique()}@x.example")).json()
        back = api.post("/Users", json=user_body(f"back.{unique()}@x.example")).json()
        for user in (leaving, back):
            give_assignments(server, user["id"], OPEN)
        api.patch(f"/Users/{back['id']}", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                 "Operations": [{"op": "replace", "path": "active", "value": False}]})
    path = write(tmp_path, f"Email,Status\n{leaving['userName']},terminated\n{back['userName']},active\n")
    _code, plan = plan_json(server, tmp_path, str(path))
    rows = {r["action"]: r for r in plan["rows"]}
    assert rows["deactivate"]["training"] == ("cancels 2 not-yet-completed assignments "
                                              "(1 not started, 1 in progress)")
    assert rows["reactivate"]["training"] == ("restores 2 assignments that deactivation cancelled "
                                              "(1 not started, 1 in progress)")
    human = roster(server, tmp_path, "import", str(path)).stdout
    assert "training: cancels 2 not-yet-completed assignments" in human
    assert "training: restores 2 assignments that deactivation cancelled" in human
