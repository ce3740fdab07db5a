"""Snapshots at 80x24 of the console screens that had none: the wizard's steps, removal, the conflict dialog,
help, the terms list, the empty roster and the connection-lost banner.

Each ``run_before`` drives the app there as the admin would and checks it arrived, so a snapshot of the wrong
screen fails before it is compared. Nothing on these screens may vary from run to run: the wizard reads fixed
files under a relative name (the step shows the path as typed), and the connection is lost through a transport
that fails with a fixed error rather than a stopped server (whose URL would carry a random port).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from roster_tui.tui.screens.conflict import ConflictScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen, PickScreen, TypeCountScreen
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.terms_list import TermsListScreen
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.screens.wizard_preview import DiffScreen, PreviewStep
from roster_tui.tui.screens.wizard_validation import ValidationStep
from roster_tui.tui.widgets.keys_help import KeysHelp
from roster_tui.tui.widgets.roster_table import RosterTable
from roster_tui.tui.widgets.status import Banner

from .conftest import Embedded, screen_text, settle, wait_for
from .test_profile_screen import open_profile, set_field
from .test_removal import preview, run_to_result, search
from .test_wizard import (
    WIZARD,
    apply_all,
    config_dir,  # noqa: F401  (autouse: recent files and mappings go to a temp folder)
    to_preview,
    type_path,
)

SIZE = (80, 24)


@pytest.fixture()
def in_wizard_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work in tests/fixtures/wizard, so a file is typed (and shown) by its bare name, the same on any machine."""
    monkeypatch.chdir(WIZARD)


@pytest.fixture()
def empty(tmp_path: Path) -> Iterator[Embedded]:
    """The service in-process over a new database: no users at all."""
    service = Embedded(tmp_path / "empty.db")
    yield service
    service.close()


class Unplugged(httpx.AsyncBaseTransport):
    """Passes requests to ``inner`` until ``down`` is set, then fails each as a refused connection."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await self.inner.handle_async_request(request)


def on(pilot: Pilot, kind: type) -> bool:
    return isinstance(pilot.app.screen, kind)


def steady(run_before: Callable[[Pilot], Awaitable[None]]) -> Callable[[Pilot], Awaitable[None]]:
    """``run_before``, then every text cursor on screen held still and shown: a blinking one (on every half
    second after the last key) would make the snapshot depend on how long the way there took."""
    async def run(pilot: Pilot) -> None:
        await run_before(pilot)
        for widget in pilot.app.screen.query("Input, TextArea"):
            assert isinstance(widget, Input | TextArea)
            widget.cursor_blink = False
        await pilot.pause()

    return run


# -- the import wizard ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_wizard_file_step(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Step 1 with new_hires.csv open: how it was read (rows counted) and its first rows."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await type_path(pilot, Path("new_hires.csv"))  # waits for the row count, not "counting rows…"
        await settle(pilot)
        assert "3 rows" in screen_text(pilot.app)  # type: ignore[arg-type]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_wizard_mapping_step(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Step 2: new_hires.csv's columns and the fields each is read into."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await type_path(pilot, Path("new_hires.csv"))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(pilot, MappingStep))
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_wizard_validation_with_errors(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Step 3 on with_errors.csv: the valid rows counted and the errors listed (its ambiguous date left unread)."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await type_path(pilot, Path("with_errors.csv"))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(pilot, MappingStep))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(pilot, PickScreen))  # 03/04/2026: which format? none
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(pilot, ValidationStep) and pilot.app.screen.ready)  # type: ignore[attr-defined]
        await settle(pilot)
        assert "errors" in screen_text(pilot.app) and "broken@" in screen_text(pilot.app)  # type: ignore[arg-type]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_wizard_preview(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Step 4 on edits_and_terms.csv: the counts by kind and the updates listed."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await type_path(pilot, Path("edits_and_terms.csv"))
        step = await to_preview(pilot)
        assert on(pilot, PreviewStep) and step.kind == "update"

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_wizard_field_diff(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Enter on the preview's first update: each field before and after."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await type_path(pilot, Path("edits_and_terms.csv"))
        await to_preview(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(pilot, DiffScreen))
        await settle(pilot)
        assert "Head of Support" in screen_text(pilot.app)  # type: ignore[arg-type]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


@pytest.mark.usefixtures("in_wizard_fixtures")
def test_wizard_result(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Step 5 after applying edits_and_terms.csv: what was written, user by user. (The apply step itself is
    left out: its progress and time left change as it runs.)"""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await type_path(pilot, Path("edits_and_terms.csv"))
        await to_preview(pilot)
        result = await apply_all(pilot)
        assert result.state.applied.counts() == {"ok": 4, "conflict": 0, "failed": 0}  # type: ignore[union-attr]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


# -- removal -------------------------------------------------------------------------------------------------


async def _mark_and_remove(pilot: Pilot, marks: int) -> RemovalScreen:
    """On the active users, mark the first ``marks`` and press R: the removal preview, planned."""
    await settle(pilot)
    await pilot.press("s")  # status: active
    await settle(pilot)
    await pilot.press(*["space"] * marks)
    assert len(pilot.app.screen.query_one(RosterTable).marked) == marks
    await pilot.press("R")
    return await preview(pilot)


def test_removal_preview(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """R on three marked users: what each one's removal does, and the counts."""
    async def run_before(pilot: Pilot) -> None:
        screen = await _mark_and_remove(pilot, 3)
        assert screen.choices is not None and screen.choices.plan().summary()["deactivate"] == 3

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_removal_typed_confirmation(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """More than 10 to remove: the admin is asked to type the count (12) before anything is written."""
    async def run_before(pilot: Pilot) -> None:
        await _mark_and_remove(pilot, 12)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(pilot, TypeCountScreen))
        await settle(pilot)
        assert pilot.app.screen.count == 12  # type: ignore[attr-defined]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_removal_result(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Three users deactivated: the result, each with what it did."""
    async def run_before(pilot: Pilot) -> None:
        await _mark_and_remove(pilot, 3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(pilot, ConfirmScreen))
        await pilot.press("y")
        run = await run_to_result(pilot)
        assert run.result.counts() == {"ok": 3, "conflict": 0, "failed": 0}

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_terms_list(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """T, then a pasted list (a comment, bare emails, a name with its email): the editor before the preview."""
    pasted = ("# terms, November\nsamuel.hill@acme.example  # last day 11/30\n"
              "Carl Gonzalez <carl.gonzalez@acme.example>, left 12/01\nmateo.campbell@acme.example\n")

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: on(pilot, TermsListScreen))
        area = pilot.app.screen.query_one(TextArea)
        pilot.app.post_message(events.Paste(pasted))  # as the terminal delivers a paste
        await wait_for(pilot, lambda: area.text == pasted)
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


# -- the profile ---------------------------------------------------------------------------------------------


def test_conflict_dialog(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """Someone else changes the title between open and save: both values side by side."""
    async def run_before(pilot: Pilot) -> None:
        screen = await open_profile(pilot, "E100012")
        async with embedded.client(httpx.ASGITransport(app=embedded.transport.app)) as other:
            await other.patch_user(screen.user.id, [{"op": "replace", "path": "title", "value": "Their Title"}])
        await set_field(pilot, screen, "title", "My Title")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: on(pilot, ConflictScreen))
        await settle(pilot)
        assert pilot.app.screen.conflicts == ["title"]  # type: ignore[attr-defined]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


# -- the roster ----------------------------------------------------------------------------------------------


def test_help_on_the_roster(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """? on the roster: the keys of the roster screen."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: pilot.app.screen.query(KeysHelp))
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_empty_roster(snap_compare, empty: Embedded) -> None:  # type: ignore[no-untyped-def]
    """A service with no users: the roster says how to add some."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        assert pilot.app.screen.query_one(RosterTable).total == 0
        assert "The roster is empty" in screen_text(pilot.app)  # type: ignore[arg-type]

    assert snap_compare(empty.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_roster_no_match(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """A search that finds nobody: the table says so and how to clear the query."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await search(pilot, "nobody-by-this-name", 0)
        assert "No users match the query" in screen_text(pilot.app)  # type: ignore[arg-type]

    assert snap_compare(embedded.app(), terminal_size=SIZE, run_before=steady(run_before))


def test_connection_lost_banner(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """The service stops answering and the admin refreshes: the banner says so and that it retries."""
    unplugged = Unplugged(embedded.transport)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        unplugged.down = True
        await pilot.press("r")
        banner = pilot.app.screen.query_one(Banner)
        await wait_for(pilot, lambda: "Connection lost" in str(banner.render()))
        await settle(pilot)  # the retry is 3 s away: it fails the same way and leaves the same banner
        assert on(pilot, RosterScreen)
        assert not pilot.app._notifications  # a refresh that failed says so in the banner, never "Refreshed"

    assert snap_compare(embedded.app(transport=unplugged), terminal_size=SIZE, run_before=steady(run_before))
