"""Pilot tests of the history (the change journal in the console): changes listed after an import, a change's
writes, an undo previewed (conflicts and why a created user is only deactivated) and applied, a stopped change
resumed, the roster's note of a change left open, a plan saved from the import preview and applied from the
history (another service's refused), a profile's changes, and a server without a journal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from roster_tui.core.changes import OPEN, Change
from roster_tui.core.models import SyncKey
from roster_tui.core.scim import ROSTER_USER
from roster_tui.core.undo import Touched, inverse_row
from roster_tui.scim import changes as journal
from roster_tui.scim.client import RosterClient
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import UndoPlan, apply_plan
from roster_tui.sync.import_file import prepare_file
from roster_tui.sync.importer import plan_import
from roster_tui.sync.saved_plan import plan_document, write_plan_file
from roster_tui.tui.app import RosterApp, create_app
from roster_tui.tui.change_lines import change_line, counts_text
from roster_tui.tui.screens import change_preview
from roster_tui.tui.screens.change_preview import ChangePreviewScreen
from roster_tui.tui.screens.change_run import ChangeRunScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from roster_tui.tui.screens.history import ChangeWritesScreen, HistoryScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.wizard_preview import PreviewStep
from roster_tui.tui.widgets.roster_table import RosterTable
from roster_tui.tui.widgets.status import Banner
from tests.conftest import assign_training
from tests.scim.conftest import ScimServer, scim_server  # noqa: F401 (the session fixture, shared)

from .conftest import SOURCE, Embedded, RecordingTransport, screen_text, settle, wait_for
from .test_profile_screen import open_profile
from .test_removal import plain
from .test_wizard import WIZARD, apply_all, config_dir, find, to_preview, type_path  # noqa: F401 (autouse)

USERS = 300  # the seeded roster (tests/tui/conftest.py)


async def applied(client: RosterClient, path: Path, **options: Any) -> ApplyResult:
    """Plan ``path`` as ``roster import`` does and apply it as a recorded change."""
    plan = await plan_import(client, prepare_file(path, sync_key=SyncKey.EMAIL))
    result = await apply_plan(client, plan, source={"file": path.name}, **options)
    assert result.change is not None
    return result


async def open_history(pilot: Pilot) -> HistoryScreen:
    await settle(pilot)
    await pilot.press("H")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen) and pilot.app.screen.loaded)
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


async def preview_undo(pilot: Pilot) -> ChangePreviewScreen:
    await pilot.press("u")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChangePreviewScreen)
                   and pilot.app.screen.preview is not None)
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


async def confirm_and_run(pilot: Pilot) -> ChangeRunScreen:
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChangeRunScreen) and pilot.app.screen.finished)
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


async def roster_total(pilot: Pilot, expected: int) -> None:
    pilot.app.back_to_roster()  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RosterScreen)
                   and pilot.app.screen.query_one(RosterTable).total == expected)


async def test_an_import_in_the_console_is_listed_with_its_writes(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_path(pilot, WIZARD / "new_hires.csv")
        await to_preview(pilot)
        await apply_all(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        history = await open_history(pilot)
        [change] = history.changes
        assert (change.kind, change.status, change.described) == ("import", "done", "new_hires.csv")
        assert "new_hires.csv · 3 create · tui-tests" in plain(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangeWritesScreen) and app.screen.lines)
        await settle(pilot)
        text = plain(app)
        assert "3 writes to 3 users" in text and "create nina.new@acme.example" in text
        assert "first name: — -> Nina" in text
        assert "manager: — -> samuel.hill@acme.example" in text  # a person by email, never an id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))


async def test_undo_previewed_then_applied_brings_the_roster_back(embedded: Embedded, api: RosterClient) -> None:
    await applied(api, WIZARD / "new_hires.csv")
    app = embedded.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(RosterTable).total == USERS + 3
        await open_history(pilot)
        preview = await preview_undo(pilot)
        assert preview.preview is not None and preview.preview.writes == 3
        text = plain(app)
        assert "Undo: 3 delete" in text and "delete nina.new@acme.example (created by the change)" in text
        assert "email: nina.new@acme.example -> (deleted)" in text
        run = await confirm_and_run(pilot)
        assert run.result.counts() == {"ok": 3, "conflict": 0, "failed": 0} and run.result.change == 2
        assert "Recorded as change 2" in plain(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.changes) == 2)
        assert app.screen.changes[0].kind == "undo" and app.screen.changes[0].undoes == 1  # type: ignore[attr-defined]
        await roster_total(pilot, USERS)
    assert await find(api, "nina.new@acme.example") is None


async def test_the_undo_lists_a_user_changed_since_as_a_conflict_and_leaves_them(
        embedded: Embedded, api: RosterClient) -> None:
    await applied(api, WIZARD / "edits_and_terms.csv")
    carl = await find(api, "carl.gonzalez@acme.example")
    assert carl is not None and carl["title"] == "Analyst"
    await api.patch_user(carl["id"], [{"op": "replace", "path": "title", "value": "Changed by hand"}])
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_history(pilot)
        preview = await preview_undo(pilot)
        text = plain(app)
        assert "1 conflict" in text and "1 conflict: changed since the change, left as they are now." in text
        assert "conflict carl.gonzalez@acme.example changed since the change (version" in text
        assert preview.preview is not None and preview.preview.writes == 3
        first = app.screen.query_one("#preview-rows")
        assert "conflict" in str(first.render_line(1).text)  # conflicts first
        run = await confirm_and_run(pilot)
        assert run.result.counts()["ok"] == 3
    samuel = await find(api, "samuel.hill@acme.example")
    assert (await find(api, "carl.gonzalez@acme.example"))["title"] == "Changed by hand"  # type: ignore[index]
    assert samuel is not None and samuel["title"] != "Head of Support"


async def test_a_created_user_with_training_is_deactivated_by_the_undo_and_the_preview_says_why(
        embedded: Embedded, api: RosterClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The undo of a change that created a user who holds training assignments (as planned by core.undo: the
    version the change left, assignments now) deactivates them, and the preview says why; a training platform
    that assigns after the change moves the version, which the next test shows as a conflict."""
    result = await applied(api, WIZARD / "new_hires.csv")
    nina = await find(api, "nina.new@acme.example")
    assert nina is not None
    version = int("".join(ch for ch in nina["meta"]["version"] if ch.isdigit()))
    with_training = {**nina, ROSTER_USER: {"trainingAssignments": [{"course": "Safety", "status": "in_progress"}]}}
    row = inverse_row(Touched(nina["id"], None, version, False, "nina.new@acme.example"), with_training, version)
    assert row is not None and row.action == "deactivate"
    change, _ = await journal.get_change(api, result.change)  # type: ignore[arg-type]

    async def planned(_client: RosterClient, _change: int) -> UndoPlan:
        return UndoPlan(change, [row])

    monkeypatch.setattr(change_preview, "plan_undo", planned)
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_history(pilot)
        await preview_undo(pilot)
        text = plain(app)
        assert ("deactivate nina.new@acme.example created by the change, but has training assignments now: "
                "deactivated, not deleted") in text
        assert "status: active -> inactive" in text
        assert "one with training assignments now is deactivated instead" in text
        await confirm_and_run(pilot)
    nina = await find(api, "nina.new@acme.example")
    assert nina is not None and nina["active"] is False


async def test_training_assigned_after_the_change_deactivates_the_created_user_instead(
        embedded: Embedded, api: RosterClient) -> None:
    await applied(api, WIZARD / "new_hires.csv")
    nina = await find(api, "nina.new@acme.example")
    assert nina is not None
    assign_training(embedded.storage, nina["id"], [{"course": "Safety", "status": "in_progress"}])
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_history(pilot)
        preview = await preview_undo(pilot)
        text = plain(app)
        assert "conflict" not in text.split("Undo:", 1)[1].split("\n", 1)[0], text
        assert "deactivate nina.new@acme.example created by the change, but has training assignments now" in text
        assert preview.preview is not None and preview.preview.writes == 3
        run = await confirm_and_run(pilot)
        assert run.result.counts() == {"ok": 3, "conflict": 0, "failed": 0}
    nina = await find(api, "nina.new@acme.example")
    assert nina is not None and nina["active"] is False and await find(api, "pia.new@acme.example") is None


def many_hires(tmp: Path, count: int) -> Path:
    path = tmp / "many.csv"
    rows = [f"h{i}@hires.example,H{i:04},Hire{i},Many,Engineer,Engineering" for i in range(count)]
    path.write_text("Email,Employee ID,First Name,Last Name,Title,Department\n" + "\n".join(rows) + "\n")
    return path


async def stopped_import(api: RosterClient, tmp: Path, count: int = 30) -> ApplyResult:
    """An import of ``count`` new users stopped after its first batches (escape in the wizard, ctrl-C...)."""
    cancel = asyncio.Event()
    result = await applied(api, many_hires(tmp, count), max_operations=7, cancel_event=cancel,
                           on_progress=lambda done, _total: cancel.set() if done >= 10 else None)
    assert result.cancelled and 0 < result.counts()["ok"] < count
    return result


async def test_a_stopped_change_is_resumed_to_the_end(embedded: Embedded, api: RosterClient, tmp_path: Path) -> None:
    first = await stopped_import(api, tmp_path)
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        history = await open_history(pilot)
        assert history.changes[0].status == "stopped" and "stopped" in plain(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangeRunScreen) and app.screen.finished)
        run = app.screen
        assert isinstance(run, ChangeRunScreen) and run.result.clean
        assert run.result.counts()["ok"] == 30 - first.counts()["ok"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.changes[0].status == "done")
        await roster_total(pilot, USERS + 30)
    writes = [w async for w in journal.iter_writes(api, first.change)]  # type: ignore[arg-type]
    assert len({w.user_id for w in writes}) == 30


async def test_the_roster_notes_a_change_left_open_after_its_first_rows(
        embedded: Embedded, api: RosterClient, tmp_path: Path) -> None:
    first = await stopped_import(api, tmp_path)
    await journal.set_status(api, first.change, OPEN)  # type: ignore[arg-type]  # as if the process was killed
    rows_when_asked: list[int | None] = []
    app: RosterApp | None = None

    async def before(request: httpx.Request) -> None:
        if request.url.path.endswith("/Changes") and app is not None and isinstance(app.screen, RosterScreen):
            rows_when_asked.append(app.screen.query_one(RosterTable).total)

    app = embedded.app(RecordingTransport(embedded.transport, before))
    async with app.run_test(size=(120, 30)) as pilot:
        banner = app.screen.query_one(Banner)
        await wait_for(pilot, lambda: "interrupted" in str(banner.render()))
        assert str(banner.render()) == (f"Import of many.csv (change {first.change}) was interrupted: H opens the "
                                        "history, where r resumes it")
        assert rows_when_asked and rows_when_asked[0] is not None  # asked once the first rows were in
        history = await open_history(pilot)
        assert history.changes[0].status == OPEN and "open" in plain(app)
        await pilot.press("u")  # an open change is resumed first
        await pilot.pause()
        assert "was interrupted (still open): r writes the rest" in str(app.screen.query_one(Banner).render())


async def test_no_note_when_nothing_was_left_open(embedded: Embedded, api: RosterClient) -> None:
    await applied(api, WIZARD / "new_hires.csv")
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.1)
        assert not app.screen.query_one(Banner).display


@pytest.mark.slow
async def test_a_plan_saved_from_the_preview_is_applied_from_the_history(
        embedded: Embedded, api: RosterClient, tmp_path: Path) -> None:
    csv = tmp_path / "edits_and_terms.csv"
    csv.write_bytes((WIZARD / "edits_and_terms.csv").read_bytes())
    saved = tmp_path / "edits_and_terms.plan.json"
    app = embedded.app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await type_path(pilot, csv)
        await to_preview(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert app.screen.value == str(saved)  # type: ignore[attr-defined]  # beside the CSV file
        await pilot.press("enter")
        await wait_for(pilot, lambda: saved.exists() and isinstance(app.screen, PreviewStep))
        await settle(pilot)
        assert any(f"Plan saved to {saved} (4 writes)" in n.message for n in app._notifications)  # type: ignore[attr-defined]
        assert (await find(api, "samuel.hill@acme.example"))["title"] != "Head of Support"  # type: ignore[index]
        app.back_to_roster()
        await open_history(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*str(saved), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangePreviewScreen) and app.screen.preview is not None)
        await settle(pilot)
        text = plain(app)
        assert "import planned" in text and "from edits_and_terms.csv" in text
        assert "title: Support Lead -> Head of Support" in text or "samuel.hill@acme.example" in text
        run = await confirm_and_run(pilot)
        assert run.result.counts() == {"ok": 4, "conflict": 0, "failed": 0}
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.changes) == 1)
        assert app.screen.changes[0].described == "edits_and_terms.csv"  # type: ignore[attr-defined]
    assert (await find(api, "samuel.hill@acme.example"))["title"] == "Head of Support"  # type: ignore[index]
    assert json.loads(saved.read_text())["service"] == SOURCE


async def test_a_plan_made_against_another_service_is_refused(embedded: Embedded, api: RosterClient,
                                                              tmp_path: Path) -> None:
    plan = await plan_import(api, prepare_file(WIZARD / "edits_and_terms.csv", sync_key=SyncKey.EMAIL))
    elsewhere = tmp_path / "elsewhere.plan.json"
    write_plan_file(plan_document(plan, "https://elsewhere.example/scim/v2", {"file": "x.csv"}), elsewhere)
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_history(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*str(elsewhere), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangePreviewScreen))
        banner = app.screen.query_one(Banner)
        await wait_for(pilot, lambda: "made against" in str(banner.render()))
        assert (f"this plan was made against https://elsewhere.example/scim/v2, not {SOURCE}: plan again there"
                in str(banner.render()))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ChangePreviewScreen)  # nothing to apply
    assert await journal.list_changes(api) == []


async def test_a_profile_opens_the_changes_that_wrote_its_user(embedded: Embedded, api: RosterClient) -> None:
    await applied(api, WIZARD / "new_hires.csv")
    await applied(api, WIZARD / "edits_and_terms.csv")
    nina = await find(api, "nina.new@acme.example")
    assert nina is not None
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        profile = await open_profile(pilot, "E200001")
        history_text = " ".join(screen_text(app).split())
        assert "Change" in history_text and "create" in history_text
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.loaded)
        history = app.screen
        assert isinstance(history, HistoryScreen) and history.user == nina["id"]
        assert [c.id for c in history.changes] == [1]  # not change 2, which did not write her
        assert "History · the changes that wrote nina.new@acme.example" in plain(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is profile)


async def test_a_server_without_a_journal_says_so_and_nothing_else_changes(
        scim_server: ScimServer) -> None:  # noqa: F811
    client = RosterClient(scim_server.base_url, scim_server.token, max_retries=0)
    app = create_app(client, source=scim_server.base_url)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(Banner).display
        await pilot.press("H")
        await wait_for(pilot, lambda: bool(app._notifications))
        [note] = list(app._notifications)
        assert note.message.startswith("This server keeps no change journal") and note.severity == "warning"
        assert isinstance(app.screen, RosterScreen)
    await client.aclose()


@pytest.mark.parametrize("status", ["done"])
def test_change_lines_name_the_counts_that_are_writes(status: str) -> None:
    change = Change(7, "import", status, "2026-11-30T09:00:00Z", "admin", {"file": "a.csv"},
                    {"create": 2, "update": 1, "unchanged": 40, "error": 3, "warning": 1})
    assert counts_text(change.counts) == "2 create, 1 update"
    assert change_line(change) == ("ok", "    7  2026-11-30 09:00  import  done     a.csv · 2 create, 1 update · "
                                         "admin")

