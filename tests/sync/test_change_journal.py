"""Changes as records, on both backends: an import recorded with its writes, undone to the documents before it
(full SCIM resources, ``meta`` aside), the undo undone (a redo), conflicts never overwritten, an interrupted
apply resumed to the same end state, a saved plan applied later."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from roster_tui.core.models import SyncKey
from roster_tui.scim import changes as journal
from roster_tui.scim.client import RosterClient
from roster_tui.sync.changes import ChangeError, apply_plan, apply_saved, apply_undo, plan_undo, resume
from roster_tui.sync.import_file import prepare_file
from roster_tui.sync.importer import plan_import
from roster_tui.sync.saved_plan import PlanFileError, plan_document, read_plan
from tests.conftest import RunningServer, give_assignments

#: Users of the roster the undo test imports into: its file then has 10,000 rows (creates, updates,
#: deactivations and reactivations).
SIZE = 10_910
HEADER = "Email,Employee ID,First Name,Last Name,Title,Department,Manager,Status\n"


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[RosterClient]:
    async with RosterClient(server.url, server.token) as c:
        yield c


def tag() -> str:
    return uuid.uuid4().hex[:8]


async def plan_csv(client: RosterClient, tmp_path: Path, body: str, **kw: Any) -> Any:
    path = tmp_path / f"{tag()}.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    prepared = prepare_file(path, sync_key=SyncKey.EMAIL)
    return await plan_import(client, prepared, **kw)


async def documents(client: RosterClient, domain: str) -> dict[str, dict[str, Any]]:
    """Every user of ``domain`` by userName, without ``meta``."""
    out = {}
    async for page in client.iter_pages(filter=f'userName ew "@{domain}"', page_size=500):
        for resource in page.resources:
            out[resource["userName"]] = {k: v for k, v in resource.items() if k != "meta"}
    return out


def without_ids(docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The documents less their ids (users created again get new ones; references point at users kept)."""
    return {name: {k: v for k, v in doc.items() if k != "id"} for name, doc in docs.items()}


async def seed(client: RosterClient, tmp_path: Path, domain: str, n: int) -> None:
    """``n`` users of ``domain``: the first third inactive, each managed by user 0."""
    body = "".join(f"u{i}@{domain},E{domain[:4]}{i},U{i},Last{i},Title {i},Dept {i % 3},"
                   f"{'u0@' + domain if i else ''},{'inactive' if 0 < i < n // 3 else 'active'}\n"
                   for i in range(n))
    result = await apply_plan(client, await plan_csv(client, tmp_path, body))
    assert result.clean, result.summary()


def a_month_of_changes(domain: str, n: int) -> str:
    """Creates, updates, deactivations and reactivations for the roster of :func:`seed`."""
    rows = []
    for i in range(n):
        if i < n // 3 and i:
            rows.append(f"u{i}@{domain},,,,,,,active\n")  # reactivated
        elif i % 4 == 0:
            rows.append(f"u{i}@{domain},,,,New title {i},Sales,,\n")  # updated
        elif i % 4 == 1:
            rows.append(f"u{i}@{domain},,,,,,,inactive\n")  # deactivated
    rows += [f"new{i}@{domain},,New{i},Hire{i},,Sales,u0@{domain},\n" for i in range(n // 4)]
    return "".join(rows)


@pytest.mark.slow
async def test_import_undo_and_redo_return_every_user_to_their_documents(
        client: RosterClient, tmp_path: Path) -> None:
    domain = f"{tag()}.example"
    await seed(client, tmp_path, domain, SIZE)
    before = await documents(client, domain)
    month = a_month_of_changes(domain, SIZE)
    assert month.count("\n") >= 10_000
    plan = await plan_csv(client, tmp_path, month, force=True)  # past the deactivation guard, on purpose
    kinds = plan.summary()
    assert kinds["create"] and kinds["update"] and kinds["deactivate"] and kinds["reactivate"]
    applied = await apply_plan(client, plan, source={"file": "month.csv"})
    assert applied.clean and applied.change is not None
    after = await documents(client, domain)
    change, _ = await journal.get_change(client, applied.change)
    assert (change.kind, change.status, change.source["file"]) == ("import", "done", "month.csv")
    assert change.outcome is not None and change.outcome["ok"] == plan.changes

    undo = await plan_undo(client, applied.change)
    assert undo.summary()["conflict"] == 0 and undo.summary()["delete"] == kinds["create"]
    undone = await apply_undo(client, undo)
    assert undone.clean, undone.summary()
    assert await documents(client, domain) == before

    redo = await plan_undo(client, undone.change)  # type: ignore[arg-type]
    redone = await apply_undo(client, redo)
    assert redone.clean, redone.summary()
    again = await documents(client, domain)
    assert without_ids(again) == without_ids(after)  # created again: same documents, new ids


async def test_undo_leaves_a_user_changed_since_as_a_conflict(client: RosterClient, tmp_path: Path) -> None:
    domain = f"{tag()}.example"
    await seed(client, tmp_path, domain, 6)
    before = await documents(client, domain)
    body = "".join(f"u{i}@{domain},,,,Renamed {i},,,\n" for i in range(6))
    applied = await apply_plan(client, await plan_csv(client, tmp_path, body))
    meddled = (await documents(client, domain))[f"u3@{domain}"]
    await client.patch_user(meddled["id"], [{"op": "replace", "path": "title", "value": "Changed by hand"}])
    undo = await plan_undo(client, applied.change)  # type: ignore[arg-type]
    conflicts = [r for r in undo.rows if r.action == "conflict"]
    assert [r.key for r in conflicts] == [f"u3@{domain}"]
    assert (await apply_undo(client, undo)).clean
    now = await documents(client, domain)
    assert now[f"u3@{domain}"]["title"] == "Changed by hand"
    assert all(now[k] == before[k] for k in before if k != f"u3@{domain}")


async def test_an_interrupted_apply_resumes_to_the_same_end_state(client: RosterClient, tmp_path: Path) -> None:
    domain = f"{tag()}.example"
    body = "".join(f"r{i}@{domain},,R{i},Last{i},T,,{'r0@' + domain if i else ''},\n" for i in range(30))
    plan = await plan_csv(client, tmp_path, body)
    cancel = asyncio.Event()
    first = await apply_plan(client, plan, max_operations=7, cancel_event=cancel,
                             on_progress=lambda done, _total: cancel.set() if done >= 10 else None)
    assert first.cancelled and first.change is not None
    assert [c.id for c in await journal.list_changes(client, status="stopped")][:1] == [first.change]
    rest = await resume(client, first.change, max_operations=7)
    assert rest.clean and rest.counts()["ok"] == 30 - first.counts()["ok"]
    docs = await documents(client, domain)
    assert len(docs) == 30
    boss = docs[f"r0@{domain}"]["id"]
    managers = {d["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"]
                for name, d in docs.items() if name != f"r0@{domain}"}
    assert managers == {boss}
    writes = [w async for w in journal.iter_writes(client, first.change)]
    assert len(writes) == 30 and len({w.user_id for w in writes}) == 30  # each write once
    with pytest.raises(ChangeError, match="done"):
        await resume(client, first.change)


async def test_a_saved_plan_applies_later_with_the_users_changed_since_as_conflicts(
        client: RosterClient, tmp_path: Path) -> None:
    domain = f"{tag()}.example"
    await seed(client, tmp_path, domain, 5)
    plan = await plan_csv(client, tmp_path, "".join(f"u{i}@{domain},,,,Saved {i},,,\n" for i in range(5)))
    saved = read_plan(plan_document(plan, client.base_url, {"file": "x.csv"}))
    docs = await documents(client, domain)
    for name in (f"u1@{domain}", f"u4@{domain}"):
        await client.patch_user(docs[name]["id"], [{"op": "replace", "path": "title", "value": "meanwhile"}])
    saved.check_service(client.base_url)
    with pytest.raises(PlanFileError, match="made against"):
        saved.check_service("https://elsewhere.example/scim/v2")
    result = await apply_saved(client, saved)
    assert sorted(o.row.key for o in result.outcomes if o.status == "conflict") == [f"u1@{domain}", f"u4@{domain}"]
    titles = {k: d.get("title") for k, d in (await documents(client, domain)).items()}
    assert titles == {f"u{i}@{domain}": "meanwhile" if i in (1, 4) else f"Saved {i}" for i in range(5)}


async def test_undo_of_a_deactivation_restores_the_training_it_cancelled(
        client: RosterClient, server: RunningServer, tmp_path: Path) -> None:
    domain = f"{tag()}.example"
    await seed(client, tmp_path, domain, 3)
    docs = await documents(client, domain)
    target = docs[f"u0@{domain}"]["id"]
    give_assignments(server, target, [{"course": "Safety", "status": "in_progress"},
                                      {"course": "Ethics", "status": "completed"}])
    before = await documents(client, domain)
    applied = await apply_plan(client, await plan_csv(client, tmp_path, f"u0@{domain},,,,,,,inactive\n"))
    cancelled = (await documents(client, domain))[f"u0@{domain}"]
    assert cancelled["active"] is False
    undo = await plan_undo(client, applied.change)  # type: ignore[arg-type]
    assert [r.action for r in undo.rows] == ["reactivate"]
    assert (await apply_undo(client, undo)).clean
    assert (await documents(client, domain))[f"u0@{domain}"] == before[f"u0@{domain}"]


async def test_undo_deactivates_a_created_user_given_training_since(
        client: RosterClient, server: RunningServer, tmp_path: Path) -> None:
    domain = f"{tag()}.example"
    applied = await apply_plan(client, await plan_csv(client, tmp_path, f"t0@{domain},,T,Zero,,,,\n"
                                                                         f"t1@{domain},,T,One,,,,\n"))
    trained = (await documents(client, domain))[f"t0@{domain}"]["id"]
    give_assignments(server, trained, [{"course": "Safety", "status": "not_started"}])
    undo = await plan_undo(client, applied.change)  # type: ignore[arg-type]
    assert sorted((r.action, r.key) for r in undo.rows) == [("deactivate", f"t0@{domain}"), ("delete", f"t1@{domain}")]
    assert "training assignments" in next(r.reason for r in undo.rows if r.action == "deactivate")
    assert (await apply_undo(client, undo)).clean
    left = await documents(client, domain)
    assert list(left) == [f"t0@{domain}"] and left[f"t0@{domain}"]["active"] is False
