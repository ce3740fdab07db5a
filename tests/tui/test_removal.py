"""Pilot tests of removing users from the console: preview (from the same plan rows as ``roster remove``),
switching to deletion only where allowed, confirmation (typed for more than 10), progress and result."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import events
from textual.widgets import Input, Select, TextArea

from roster_tui.core.scim import ROSTER_USER
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import NotFound
from roster_tui.tui.app import RosterApp, create_app
from roster_tui.tui.screens.dialogs import ConfirmScreen, TypeCountScreen
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.screens.removal_result import RemovalRunScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.terms_list import TermsListScreen
from roster_tui.tui.widgets.roster_table import RosterTable
from roster_tui.tui.widgets.status import Banner
from tests.conftest import RunningServer, assign_training, start_server, stop_server
from tests.server.helpers import user_body

from .conftest import Embedded, settle, wait_for

ALL_STATUSES = [
    {"course": "Code of Conduct", "status": "completed", "completedAt": "2026-01-20T10:00:00Z"},
    {"course": "Data Privacy", "status": "in_progress"},
    {"course": "Workplace Safety", "status": "not_started"},
    {"course": "Old Course", "status": "cancelled"},
]
ADMIN = [{"value": "Account Admin"}]


def plain(app: RosterApp) -> str:
    """The screen as plain text, lines joined and runs of spaces collapsed (wrapped text reads as one)."""
    strips = app.screen._compositor.render_strips()
    return " ".join(" ".join(strip.text for strip in strips).split())


def banner(app: RosterApp) -> str:
    return str(app.screen.query_one(Banner).render())



async def search(pilot: Any, text: str, expected: int) -> RosterTable:
    table = pilot.app.screen.query_one(RosterTable)
    await pilot.press("slash", *text, "enter")
    await wait_for(pilot, lambda: table.query_in_effect.search == text and table.total == expected)
    await settle(pilot)
    return table


async def preview(pilot: Any) -> RemovalScreen:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RemovalScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.choices is not None)
    await settle(pilot)
    return screen


async def run_to_result(pilot: Any) -> RemovalRunScreen:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RemovalRunScreen))
    run = pilot.app.screen
    await wait_for(pilot, lambda: run.finished)
    await settle(pilot)
    return run


# -- bulk, from the roster's marks -----------------------------------------------------------------------


async def test_bulk_removal_of_marked_users_reasons_and_deletion_only_without_assignments(
        embedded: Embedded, api: RosterClient) -> None:
    full = await api.create_user(user_body("zterm1@corp.example", given="Ann", family="Zterm1"))
    none = await api.create_user(user_body("zterm2@corp.example", given="Bob", family="Zterm2"))
    done = await api.create_user(user_body("zterm3@corp.example", given="Cy", family="Zterm3"))
    assign_training(embedded.storage, full["id"], ALL_STATUSES)
    assign_training(embedded.storage, done["id"], ALL_STATUSES[:1])
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = await search(pilot, "zterm", 3)
        await pilot.press("space", "space", "space")
        assert len(table.marked) == 3
        await pilot.press("R")
        screen = await preview(pilot)
        text = plain(app)
        assert "Remove users · 3 marked" in text
        assert "3 to remove: 3 deactivate · 0 delete · 0 unchanged · 0 errors" in text
        # why: the assignment counts by status, and what deactivation cancels
        assert ("deactivate zterm1@corp.example Ann Zterm1 has 4 training assignments (1 not started, "
                "1 in progress, 1 completed, 1 cancelled): keeps the records; cancels 2 not-yet-completed "
                "assignments (1 not started, 1 in progress)") in text
        assert "zterm3@corp.example Cy Zterm3 has 1 training assignment (1 completed): keeps the records" in text
        assert ("deactivate zterm2@corp.example Bob Zterm2 deactivation requested (delete was not asked for) "
                "no training assignments · x: delete instead") in text
        assert text.count("· x: delete instead") == 1  # deletion is offered only where nothing is kept
        assert [screen.choices.deletable(i) for i in range(3)] == [False, True, False]

        await pilot.press("x")  # zterm1 has assignments: refused, with the reason
        assert "zterm1@corp.example cannot be deleted: it has 4 training assignments (1 not started" in banner(app)
        assert screen.choices.row(0).action == "deactivate"
        await pilot.press("down", "x")
        assert screen.choices.row(1).action == "delete"
        assert "no training assignments: nothing to keep permanent · x: deactivate instead" in plain(app)
        assert "2 deactivate · 1 delete · 0 unchanged · 0 errors (deleting is permanent)" in plain(app)
        await pilot.press("down", "x")
        assert "zterm3@corp.example cannot be deleted" in banner(app)
        await pilot.press("a")  # every deletable one is deleted already: back to deactivating all
        assert screen.choices.plan().summary()["delete"] == 0
        await pilot.press("a")
        assert [screen.choices.row(i).action for i in range(3)] == ["deactivate", "delete", "deactivate"]

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        assert "Remove 3 users: 2 deactivate, 1 delete?" in question
        assert "cancels 2 not-yet-completed" in question and "Deleting is permanent" in question
        await pilot.press("y")
        run = await run_to_result(pilot)
        assert run.result.counts() == {"ok": 3, "conflict": 0, "failed": 0}
        text = plain(app)
        assert "Done: 3 applied · 0 conflicts · 0 failed" in text
        assert "deleted zterm2@corp.example (Bob Zterm2)" in text
        assert "deactivated zterm1@corp.example (Ann Zterm1); cancelled 2 not-yet-completed" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await wait_for(pilot, lambda: table.total == 2)  # the roster refreshed: the deleted user is gone
        assert table.marked == {}

    with pytest.raises(NotFound):
        await api.get_user(none["id"])
    first = await api.get_user(full["id"])
    assert first["active"] is False
    assert [a["status"] for a in first[ROSTER_USER]["trainingAssignments"]] == [
        "completed", "cancelled", "cancelled", "cancelled"]
    assert (await api.get_user(done["id"]))["active"] is False


# -- single, from a profile ------------------------------------------------------------------------------


async def test_single_removal_from_a_profile_deactivates_or_deletes(embedded: Embedded, api: RosterClient) -> None:
    kept = await api.create_user(user_body("zsolo1@corp.example", given="Dee", family="Zsolo1"))
    gone = await api.create_user(user_body("zsolo2@corp.example", given="Eve", family="Zsolo2"))
    assign_training(embedded.storage, kept["id"], ALL_STATUSES[1:2])
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = await search(pilot, "zsolo", 2)
        await pilot.press("enter")  # the profile of zsolo1; focus is in its email field
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        profile = app.screen
        await settle(pilot)
        await pilot.press("ctrl+d")
        screen = await preview(pilot)
        assert len(screen.choices) == 1
        assert ("has 1 training assignment (1 in progress): keeps the records; cancels 1 not-yet-completed "
                "assignment (1 in progress)" in plain(app))
        await pilot.press("x")
        assert "cannot be deleted" in banner(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await run_to_result(pilot)
        assert "deactivated zsolo1@corp.example (Dee Zsolo1); cancelled 1 not-yet-completed" in plain(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is profile)
        await wait_for(pilot, lambda: profile.query_one("#f-status", Select).value == "inactive")
        await settle(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))

        await pilot.press("down", "enter")  # zsolo2: no assignments, so it can be deleted
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen is not profile)
        await settle(pilot)
        await pilot.press("ctrl+d")
        screen = await preview(pilot)
        assert "no training assignments · x: delete instead" in plain(app)
        await pilot.press("x", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "0 deactivate, 1 delete" in app.screen.question
        await pilot.press("y")
        await run_to_result(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))  # the profile closed too
        await wait_for(pilot, lambda: table.total == 1)
    assert (await api.get_user(kept["id"]))["active"] is False
    with pytest.raises(NotFound):
        await api.get_user(gone["id"])


# -- a pasted terms list: inactive and unknown entries, typed confirmation, conflicts -----------------------


async def test_pasted_terms_list_lists_everything_and_asks_to_type_the_count(
        embedded: Embedded, api: RosterClient) -> None:
    page = await api.list_users(filter="active eq true", count=80)
    plain_users = [r for r in page.resources if not r.get("roles")][:12]
    assert len(plain_users) == 12
    inactive = (await api.list_users(filter="active eq false", count=1)).resources[0]
    by_id = plain_users[1]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"]
    keys = [plain_users[0]["userName"], by_id, *(u["userName"] for u in plain_users[2:]),
            inactive["userName"], "ghost@corp.example", plain_users[0]["userName"].upper()]
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        await pilot.press("ctrl+s")
        assert "Paste a list first" in banner(app)
        area = app.screen.query_one(TextArea)
        app.post_message(events.Paste("\n".join(keys) + "\n"))  # as the terminal delivers a paste
        await wait_for(pilot, lambda: area.text.count("\n") == len(keys))
        await pilot.press("ctrl+s")
        screen = await preview(pilot)
        assert len(screen.choices) == 15
        text = plain(app)
        assert "Remove users · pasted list (15 keys)" in text
        assert "12 to remove: 12 deactivate · 0 delete · 2 unchanged · 1 error" in text
        summary = screen.choices.plan().summary()
        assert summary == {"deactivate": 12, "delete": 0, "unchanged": 2, "error": 1, "warning": 2}
        rows = screen.choices.plan().rows
        assert rows[1].key == by_id and rows[1].email == plain_users[1]["userName"]
        assert rows[12].reason.startswith("already inactive")
        assert rows[13].errors == ["no user with email ghost@corp.example"]
        assert rows[14].reason == "listed again (first on line 1)"
        await pilot.press("end")
        assert "error line 14 ghost@corp.example no user with email ghost@corp.example" in plain(app)
        await pilot.press("x")
        assert "listed again (first on line 1); nothing to change" in banner(app)
        await pilot.press("up", "x")
        assert "ghost@corp.example: no user with email ghost@corp.example" in banner(app)

        # meanwhile someone edits one of them: applying it is a conflict, not an overwrite
        await api.patch_user(plain_users[5]["id"], [{"op": "replace", "path": "title", "value": "Changed"}])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        await pilot.press("1", "1", "enter")
        assert isinstance(app.screen, TypeCountScreen)
        assert "That is not 12" in plain(app)
        await pilot.press("1", "2", "enter")
        run = await run_to_result(pilot)
        assert run.result.counts() == {"ok": 11, "conflict": 1, "failed": 0}
        text = plain(app)
        assert "Done: 11 applied · 1 conflicts · 0 failed" in text
        assert f"Conflicts (1) not deactivated: {plain_users[5]['userName']}" in text
        assert "the user changed since the plan was made; plan again" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
    still = await api.get_user(plain_users[5]["id"])
    assert still["active"] is True
    actives = [(await api.get_user(u["id"]))["active"] for u in plain_users]
    assert actives == [False] * 5 + [True] + [False] * 6


async def test_escape_stops_after_the_writes_in_flight(embedded: Embedded, api: RosterClient) -> None:
    page = await api.list_users(filter="active eq true", count=40)
    users = [r for r in page.resources if not r.get("roles")][:6]
    app = embedded.app()
    gate = asyncio.Event()
    calls: list[str] = []
    patch_user = app.client.patch_user

    async def slow_patch(user_id: str, operations: list[dict[str, Any]], *, etag: str | None = None) -> Any:
        calls.append(user_id)
        await gate.wait()
        return await patch_user(user_id, operations, etag=etag)

    app.client.patch_user = slow_patch  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        area = app.screen.query_one(TextArea)
        app.post_message(events.Paste("\n".join(u["userName"] for u in users)))
        await wait_for(pilot, lambda: area.text.count("@") == 6)
        await pilot.press("ctrl+s")
        await preview(pilot)
        await pilot.press("enter", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalRunScreen) and len(calls) == 4)
        run = app.screen
        assert "0 of 6 done" in plain(app)
        await pilot.press("escape")
        assert "Stopping after the writes in flight" in plain(app)
        gate.set()
        await wait_for(pilot, lambda: run.finished)
        await settle(pilot)
        assert run.result.counts() == {"ok": 4, "conflict": 0, "failed": 0}
        assert len(calls) == 4
        text = plain(app)
        assert "Stopped: 2 not attempted · 4 applied" in text
        assert "Not attempted: stopped (2)" in text
    assert [(await api.get_user(u["id"]))["active"] for u in users] == [False] * 4 + [True] * 2


# -- the last active Account Admin, on a roster of its own ---------------------------------------------------


@pytest.fixture()
def own(tmp_path: Path) -> Any:
    running = start_server(tmp_path / "srv")
    yield running
    stop_server(running)


@pytest.fixture()
async def own_app(own: RunningServer) -> AsyncIterator[RosterApp]:
    async with RosterClient(own.url, own.token, max_retries=0) as client:
        yield create_app(client, source="own server")


async def test_last_active_account_admin_is_refused(own: RunningServer, own_app: RosterApp, tmp_path: Path) -> None:
    with httpx.Client(base_url=own.url, headers=own.headers(), timeout=10) as http:
        def create(email: str, **extra: Any) -> dict[str, Any]:
            response = http.post("/Users", json=user_body(email, **extra))
            assert response.status_code == 201, response.text
            return response.json()

        boss = create("boss@corp.example", given="Bo", family="Aboss", roles=ADMIN, employeeNumber="B1")
        other = create("other@corp.example", given="Oz", family="Bother", roles=ADMIN)
        create("staff@corp.example", given="Sam", family="Cstaff")
        listed = http.get("/Users", params={"filter": 'roles eq "Account Admin" and active eq true'}).json()
        assert {r["userName"] for r in listed["Resources"]} == {"boss@corp.example", "other@corp.example"}
        terms = tmp_path / "terms.csv"
        terms.write_text("Employee ID,Email,Termination Date\nB1,,2026-03-01\n", encoding="utf-8")

        app = own_app
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            # from a file: the reader of ``roster remove --from``
            await pilot.press("T")
            await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
            path = app.screen.query_one("#terms-path", Input)
            path.focus()
            await pilot.press(*str(tmp_path / "missing.csv"), "enter")
            assert "cannot read the file" in banner(app)
            path.value = str(terms)
            await pilot.press("enter")
            screen = await preview(pilot)
            assert "Remove users · terms.csv (1 key)" in plain(app)
            assert "deactivate line 2 B1 Bo Aboss <boss@corp.example>" in plain(app)
            # meanwhile the other admin leaves: the service refuses, and the result says why
            assert http.patch(f"/Users/{other['id']}", json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}]}).status_code == 200
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            run = await run_to_result(pilot)
            assert run.result.counts() == {"ok": 0, "conflict": 0, "failed": 1}
            text = plain(app)
            assert "Failures (1)" in text and "last active Account Admin" in text.split("Failures (1)")[1]
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))

            # planned again (cursor user: the first by last name): refused before anything is sent
            await settle(pilot)
            assert app.screen.query_one(RosterTable).cursor_user.email == "boss@corp.example"
            await pilot.press("R")
            screen = await preview(pilot)
            assert screen.choices.row(0).action == "error"
            assert ("error boss@corp.example Bo Aboss boss@corp.example is the last active Account Admin and "
                    "cannot be deactivated; give another active user the Account Admin role first") in plain(app)
            await pilot.press("x")
            assert "is the last active Account Admin" in banner(app)
            await pilot.press("enter")
            assert isinstance(app.screen, RemovalScreen)
            assert "Nothing to remove" in banner(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        assert http.get(f"/Users/{boss['id']}").json()["active"] is True
