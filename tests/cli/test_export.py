"""``roster export``: a failed export loses nothing, the file is the owner's only, and every value the service
holds comes back from export -> import as no change at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest

from roster_tui.cli.main import main
from roster_tui.core.scim import ENTERPRISE_USER, LIST_RESPONSE, ROSTER_USER
from tests.cli.test_import import plan_json, roster, tag
from tests.conftest import RunningServer
from tests.scim.conftest import FaultServer, Reply, fault_server  # noqa: F401 (the session fixture)


def _page(total: int, users: list[dict]) -> Reply:  # type: ignore[type-arg]
    return Reply(body={"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": 1,
                       "itemsPerPage": len(users), "Resources": users})


def test_a_failed_export_keeps_the_previous_file(fault_server: FaultServer, tmp_path: Path,  # noqa: F811
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fault_server.reset()
    out = tmp_path / "all.csv"
    out.write_text("the export of last month\n")
    user = {"id": "1", "userName": "a@x.example", "name": {"givenName": "A", "familyName": "B"}}
    # the first page comes, then the service fails for good (400: not retried)
    fault_server.script(_page(3000, [user] * 1000), then=Reply(400, {"detail": "gone", "status": "400"}))
    monkeypatch.setenv("ROSTER_API_TOKEN", "t")
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["export", "--api", fault_server.base_url, "-o", str(out)]) == 2
    assert out.read_text() == "the export of last month\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv"]  # no temporary file left


def test_an_export_is_readable_by_its_owner_only(server: RunningServer, tmp_path: Path) -> None:
    out = tmp_path / "mine.csv"
    assert roster(server, tmp_path, "export", "-o", str(out)).returncode == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_every_value_the_service_holds_round_trips_with_no_change(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    odd = [(" Lead ", "Dev\u00a0Ops ", "Ann\tMarie", "O'Neil\nJr"),
           ("\u3000Ops", " ", "Zoë", "Müller-José"),
           ("=cmd|' /C calc'!A0", "@sum", "-Lee", "+Park")]
    for n, (title, department, first, last) in enumerate(odd):
        body = {"userName": f"odd{n}{t}@x.example", "name": {"givenName": first, "familyName": last},
                "title": title, ENTERPRISE_USER: {"department": department, "employeeNumber": f" OD{n}{t}"},
                ROSTER_USER: {"location": f"Site {n}\u00a0"}}
        response = httpx.post(f"{server.url}/Users", json=body, headers=server.headers(), timeout=10)
        assert response.status_code == 201, response.text
    out = tmp_path / "export.csv"
    assert roster(server, tmp_path, "export", "-o", str(out)).returncode == 0
    _code, plan = plan_json(server, tmp_path, str(out))
    mine = [r for r in plan["rows"] if r["key"].startswith("odd") and r["key"].endswith(f"{t}@x.example")]
    assert len(mine) == 3
    assert [(r["action"], r["changes"], r["errors"]) for r in mine] == [("unchanged", {}, [])] * 3
