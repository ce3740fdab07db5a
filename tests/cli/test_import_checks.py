"""``roster import`` checks that need more of the roster than the file's users, on a real service: the last
active Account Admin is never deactivated by a file, and a department no user has yet is noted once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roster_tui.core.models import ACCOUNT_ADMIN
from roster_tui.core.scim import ENTERPRISE_USER
from tests.cli.test_import import plan_json, write
from tests.conftest import RunningServer, start_server, stop_server
from tests.server.helpers import user_body

SEEDED = 3000  # against a file of a few rows, the plan looks its users up instead of paging the roster


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[RunningServer]:
    db = tmp_path / "srv" / "roster.db"
    db.parent.mkdir()
    subprocess.run([sys.executable, "-m", "roster_tui.cli", "seed", "--users", str(SEEDED), "--db", str(db)],
                   check=True, capture_output=True)
    running = start_server(tmp_path / "srv", db=str(db))
    yield running
    stop_server(running)


def test_a_file_never_deactivates_the_last_active_account_admin(seeded: RunningServer, tmp_path: Path) -> None:
    with httpx.Client(base_url=seeded.url, headers=seeded.headers(), timeout=30) as api:
        admins = api.get("/Users", params={"filter": f'roles.value eq "{ACCOUNT_ADMIN}" and active eq true',
                                           "count": 1000, "attributes": "userName"}).json()["Resources"]
        assert admins  # the seed has some; keep exactly one
        last, *others = admins
        for other in others:
            api.patch(f"/Users/{other['id']}", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                      "Operations": [{"op": "remove", "path": "roles"}]})
        path = write(tmp_path, f"Email,Status\n{last['userName']},terminated\n")
        code, plan = plan_json(seeded, tmp_path, str(path), "--apply", "--yes")
        assert code == 1
        assert [r["action"] for r in plan["rows"]] == ["error"]
        assert "is the last active Account Admin and cannot be deactivated" in plan["rows"][0]["errors"][0]
        assert plan["applied"] == {"ok": 0, "conflict": 0, "failed": 0}
        assert api.get(f"/Users/{last['id']}").json()["active"] is True


def test_a_department_no_user_has_is_noted_once_with_its_rows(seeded: RunningServer, tmp_path: Path) -> None:
    with httpx.Client(base_url=seeded.url, headers=seeded.headers(), timeout=30) as api:
        users = api.get("/Users", params={"count": 3, "attributes": f"userName,{ENTERPRISE_USER}:department"}
                        ).json()["Resources"]
        known = users[2][ENTERPRISE_USER]["department"]
        created = api.post("/Users", json=user_body()).json()
    path = write(tmp_path, "Email,Department\n"
                           f"{users[0]['userName']},Quantum Basket Weaving\n"
                           f"{users[1]['userName']},Quantum Basket Weaving\n"
                           f"{created['userName']},{known.upper()}\n")
    _code, plan = plan_json(seeded, tmp_path, str(path))
    assert plan["notes"] == ["new department 'Quantum Basket Weaving': 2 rows (no user has it yet; a typo?)"]
