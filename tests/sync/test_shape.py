"""A plan's shape against the roster service: the facts its anomalies need (how long reactivated users were
inactive, managers' reports by filter, the last import of the same mapping in the journal)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from roster_tui.config import ApiSettings
from roster_tui.connect import open_client
from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.scim.client import RosterClient
from roster_tui.sync.changes import apply_plan
from roster_tui.sync.import_file import prepare_file
from roster_tui.sync.importer import plan_import
from roster_tui.sync.saved_plan import file_source
from roster_tui.sync.shape import shape_plan

LOW = AnomalyLimits(min_users=2, clears=2, old_reactivations=2, manager_reports=2)
HEADER = "Email,First Name,Last Name,Manager,Status\n"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[RosterClient]:
    async with open_client(ApiSettings(url=None, token=None, db=str(tmp_path / "r.db"))) as c:
        yield c


async def imported(client: RosterClient, tmp_path: Path, body: str, name: str = "in.csv", apply: bool = True):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    prepared = prepare_file(path)
    plan = await plan_import(client, prepared, anomalies=LOW)
    if apply:
        source = file_source(path, prepared.scan.rows, prepared.mapping_key)
        assert (await apply_plan(client, plan, source=source)).clean
    return plan


async def test_the_facts_come_from_the_service(client: RosterClient, tmp_path: Path) -> None:
    people = "".join(f"u{n}@x.example,U{n},L,{'boss@x.example' if n <= 3 else ''},\n" for n in range(1, 7))
    first = await imported(client, tmp_path, "boss@x.example,B,S,,\n" + people)
    assert [g.text for g in first.groups][:2] == ["new users: 7 users with no department"]  # one group
    await imported(client, tmp_path, "".join(f"u{n}@x.example,,,,inactive\n" for n in (4, 5, 6)), "terms.csv")
    with sqlite3.connect(tmp_path / "r.db") as db:  # two of them left years ago (nothing written since)
        db.execute("UPDATE users SET last_modified = '2020-01-01T00:00:00Z' WHERE user_name IN (?, ?)",
                   ("u4@x.example", "u5@x.example"))
    back = "".join(f"u{n}@x.example,,,,active\n" for n in (4, 5, 6))
    moved = "".join(f"u{n}@x.example,,,[clear],\n" for n in (1, 2, 3))
    plan = await imported(client, tmp_path, back + moved, "back.csv", apply=False)
    found = {a.check: a for a in plan.anomalies}
    assert sorted(found) == ["clears", "manager_reports", "old_reactivations", "row_change"]
    assert found["old_reactivations"].keys == ["u4@x.example", "u5@x.example"]
    assert found["manager_reports"].message == "1 manager loses all their reports: boss@x.example (3)"
    assert found["row_change"].message == ("the file has 6 rows, +100% against the last import with the same "
                                           "mapping (3 rows: change 2, terms.csv)")
    assert plan.index is not None
    plan.index.complete = False  # as after lookups of a file's users only: the reports are counted by filter
    await shape_plan(client, plan, 6, None, LOW)
    assert sorted(a.check for a in plan.anomalies) == ["clears", "manager_reports", "old_reactivations"]
    await shape_plan(client, plan, 6, None, AnomalyLimits(old_reactivations=3, manager_reports=4))
    assert [a.check for a in plan.anomalies] == []


async def test_another_mapping_is_not_compared(client: RosterClient, tmp_path: Path) -> None:
    await imported(client, tmp_path, "".join(f"u{n}@x.example,U,L,,\n" for n in range(10)))
    path = tmp_path / "other.csv"
    path.write_text("Email,First Name,Last Name\nu1@x.example,U,L\n", encoding="utf-8")
    plan = await plan_import(client, prepare_file(path), anomalies=LOW)
    assert plan.anomalies == []
