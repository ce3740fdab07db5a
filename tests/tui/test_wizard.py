"""Pilot tests of the import wizard against the real service (in-process), checked against ``roster import --json``."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from roster_tui.connect import EMBEDDED_URL
from roster_tui.core.wording import kind_count
from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import create_app
from roster_tui.tui.screens.dialogs import TypeCountScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.wizard_apply import ApplyStep, ResultStep
from roster_tui.tui.screens.wizard_file import FileStep
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.screens.wizard_preview import DiffScreen, PreviewStep
from roster_tui.tui.screens.wizard_validation import ValidationStep
from roster_tui.tui.widgets.counts_bar import KINDS
from roster_tui.tui.widgets.lines_view import LinesView

from .conftest import SOURCE, TOKEN, Embedded, screen_text, settle, wait_for

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WIZARD = Path(__file__).parent.parent / "fixtures" / "wizard"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Recent files and saved mappings go to a temp config dir."""
    folder = tmp_path / "config"
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(folder))
    return folder


def cli_start(db: Path, tmp: Path, path: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``roster import FILE --json`` as a subprocess on the same database (it runs beside the app)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")}
    env.update(ROSTER_DB=str(db), ROSTER_CONFIG_DIR=str(tmp / "cli-config"), NO_COLOR="1")
    return subprocess.Popen([sys.executable, "-m", "roster_tui.cli", "import", str(path), "--json", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def cli_result(proc: subprocess.Popen[str]) -> dict[str, int]:
    """The summary of a started ``roster import --json``."""
    out, err = proc.communicate(timeout=60)
    assert out, err
    return json.loads(out)["summary"]


def cli_summary(db: Path, tmp: Path, path: Path, *args: str) -> dict[str, int]:
    """``roster import FILE --json`` as a subprocess on the same database: its summary."""
    return cli_result(cli_start(db, tmp, path, *args))


async def type_path(pilot: Pilot, path: Path) -> None:
    """From the roster: i, type the path, enter (open), wait for the row count."""
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FileStep))
    await pilot.press(*str(path), "enter")
    await wait_for(pilot, lambda: "rows  ·" in screen_text(pilot.app))  # type: ignore[arg-type]


async def to_preview(pilot: Pilot, *, errors: bool = False) -> PreviewStep:
    """From the file step (file open) through mapping and validation to the preview."""
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MappingStep))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ValidationStep) and pilot.app.screen.ready)
    await settle(pilot)
    await pilot.press("enter")
    if errors:
        await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PreviewStep) and bool(pilot.app.screen.groups))
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


def assert_counts_shown(app: Any, summary: dict[str, int]) -> None:
    text = screen_text(app)
    for kind in KINDS:
        assert kind_count(summary[kind], kind) in text, (kind, summary, text[text.find("step"):])


async def apply_all(pilot: Pilot) -> ResultStep:
    await pilot.press("a")
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ResultStep))
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


async def find(api: RosterClient, email: str) -> dict[str, Any] | None:
    page = await api.list_users(filter=f'userName eq "{email}"', count=1)
    return page.resources[0] if page.resources else None


async def test_new_hires_end_to_end(embedded: Embedded, api: RosterClient, roster_db: Path, tmp_path: Path,
                                    config_dir: Path) -> None:
    path = WIZARD / "new_hires.csv"
    cli = cli_start(roster_db, tmp_path, path)
    app = embedded.app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, path)
        text = screen_text(app)
        assert "Encoding: UTF-8" in text and "Delimiter: comma" in text and "3 rows" in text
        assert "8 columns" in text and "nina.new@acme.example" in text
        preview = await to_preview(pilot)
        expected = cli_result(cli)
        assert expected["create"] == 3
        assert preview.state.plan.summary() == expected
        assert_counts_shown(app, expected)
        assert "omar.new@acme.example" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
        assert "Nina" in screen_text(app) and "Team Lead" in screen_text(app)
        await pilot.press("escape")
        result = await apply_all(pilot)
        assert result.state.applied.counts() == {"ok": 3, "conflict": 0, "failed": 0}
        assert "Applied 3" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await settle(pilot)
        assert "303 users" in screen_text(app)
    nina = await find(api, "nina.new@acme.example")
    omar = await find(api, "omar.new@acme.example")
    assert nina is not None and omar is not None
    assert omar[ENTERPRISE]["manager"]["value"] == nina["id"]
    assert cli_summary(roster_db, tmp_path, path)["unchanged"] == 3  # applied: nothing left to do
    recent = json.loads((config_dir / "recent-imports.json").read_text())
    assert recent["files"][0] == str(path)


async def test_edits_and_terms_show_before_after_and_apply(embedded: Embedded, api: RosterClient, roster_db: Path,
                                                           tmp_path: Path) -> None:
    path = WIZARD / "edits_and_terms.csv"
    cli = cli_start(roster_db, tmp_path, path)
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:  # the smallest supported terminal
        await settle(pilot)
        await type_path(pilot, path)
        preview = await to_preview(pilot)
        expected = cli_result(cli)
        assert (expected["update"], expected["deactivate"], expected["reactivate"]) == (2, 1, 1)
        assert expected["unchanged"] == 1 and expected["warning"] == 1
        assert_counts_shown(app, expected)
        assert preview.kind == "update"  # the first kind with rows
        assert "samuel.hill@acme.example" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
        text = screen_text(app)
        assert "Support Team Lead" in text and "Head of Support" in text and "unchanged" in text
        await pilot.press("escape")
        for _ in range(5):
            await pilot.press("right")
        assert preview.kind == "warning"
        assert "carl.gonzalez@acme.example" in screen_text(app) and "inactive; set status" in screen_text(app)
        await pilot.press("a")
        assert "Apply 4 changes" in screen_text(app) and "1 deactivate" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultStep))
        await settle(pilot)
        assert app.screen.state.applied.counts() == {"ok": 4, "conflict": 0, "failed": 0}
    assert (await find(api, "samuel.hill@acme.example"))["title"] == "Head of Support"
    assert (await find(api, "jeffrey.lopez@acme.example"))["active"] is False
    assert (await find(api, "abigail.alexander@acme.example"))["active"] is True


async def test_errors_are_listed_filtered_searched_saved_and_valid_rows_go_on(
        embedded: Embedded, api: RosterClient, roster_db: Path, tmp_path: Path) -> None:
    source = tmp_path / "with_errors.csv"
    source.write_bytes((WIZARD / "with_errors.csv").read_bytes())
    cli = cli_start(roster_db, tmp_path, source)
    app = embedded.app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, source)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
        await pilot.press("enter")
        from roster_tui.tui.screens.dialogs import PickScreen

        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))  # 03/04/2026: which format?
        await pilot.press("escape")  # none: that row stays an error
        await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep) and app.screen.ready)
        await settle(pilot)
        step: ValidationStep = app.screen  # type: ignore[assignment]
        expected = cli_result(cli)
        assert expected["error"] >= 6 and expected["create"] == 2
        text = screen_text(app)
        assert f"{9 - expected['error']} valid rows" in text and f"{expected['error']} errors" in text
        assert "broken@" in text
        errors = len([i for i in step.state.issues if i.kind == "error"])
        await pilot.press("f")
        assert step.filter == "errors" and len(step.shown) == errors
        await pilot.press("slash", *"E100004", "enter")
        await settle(pilot)
        assert len(step.shown) == 1 and "belongs to philip.kelly@acme.example" in step.shown[0].message
        assert step.shown[0].value == "E100004" and step.shown[0].column.startswith("B ")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")  # the proposed path, next to the file
        out = tmp_path / "with_errors.errors.csv"
        await wait_for(pilot, out.exists)
        await settle(pilot)
        lines = out.read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) == 1 + expected["error"] and lines[0].endswith(",error")
        await pilot.press("enter")
        assert "will not be imported" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep) and bool(app.screen.groups))
        await settle(pilot)
        assert_counts_shown(app, expected)
        await apply_all(pilot)
        assert app.screen.state.applied.counts()["ok"] == 2
    assert await find(api, "ok.two@acme.example") is not None
    assert await find(api, "dup@acme.example") is None


async def test_semicolon_bom_file_with_a_date_format_and_saved_mapping(
        embedded: Embedded, roster_db: Path, tmp_path: Path, config_dir: Path) -> None:
    path = WIZARD / "semicolon_bom.csv"
    cli = cli_start(roster_db, tmp_path, path, "--date-format", "%d.%m.%Y")
    app = embedded.app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, path)
        text = screen_text(app)
        assert "UTF-8 with BOM" in text and "Delimiter: semicolon" in text and "6 columns" in text
        assert "Lyon; FR" in text
        await pilot.press("ctrl+t")  # a wrong delimiter, chosen by hand, shows at once
        await wait_for(pilot, lambda: "comma (chosen)" in screen_text(app))
        assert "1 columns" in screen_text(app) or "2 columns" in screen_text(app)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "semicolon (chosen)" in screen_text(app))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
        text = screen_text(app)
        assert "E-mail Address" in text and "Email (email)" in text and "Hire Date (hire_date)" in text
        await pilot.press("d", *"%d.%m.%Y", "enter")
        assert "Date format: %d.%m.%Y" in screen_text(app)
        await pilot.press("w", *"euro", "enter")
        await pilot.pause()
        assert (config_dir / "mappings" / "euro.toml").exists()
        await pilot.press("down", "down", "down", "right")  # Location -> Manager, then back
        assert "Manager (manager)" in screen_text(app)
        await pilot.press("l", "enter")  # the saved mapping comes back
        await pilot.pause()
        assert "Location (location)" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep) and app.screen.ready)
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep) and bool(app.screen.groups))
        await settle(pilot)
        expected = cli_result(cli)
        assert expected["create"] == 1 and expected["update"] == 1
        assert app.screen.state.plan.summary() == expected
        assert_counts_shown(app, expected)


def many_new_hires(tmp: Path, count: int) -> Path:
    path = tmp / "many.csv"
    rows = [f"bulk{n:04d}@acme.example,Bulk,Hire{n:04d}" for n in range(count)]
    path.write_text("Email,First Name,Last Name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


class SlowWrites(httpx.ASGITransport):
    """The service without /Bulk (so each user is one request), every write taking a while (so a cancel lands
    mid-apply)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ServiceProviderConfig"):
            return httpx.Response(200, json={"bulk": {"supported": False}, "patch": {"supported": True}})
        if request.method in ("POST", "PATCH"):
            await asyncio.sleep(0.05)
        return await super().handle_async_request(request)


async def test_cancel_mid_apply_keeps_what_was_written(embedded: Embedded, api: RosterClient, roster_db: Path,
                                                       tmp_path: Path) -> None:
    hires = 300  # enough that esc lands with writes to go, even on a loaded machine
    path = many_new_hires(tmp_path, hires)
    slow = SlowWrites(app=embedded.transport.app)
    app = create_app(RosterClient(EMBEDDED_URL, TOKEN, transport=slow, max_retries=0), source=SOURCE)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, path)
        await to_preview(pilot)
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, ApplyStep) and "written" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultStep))
        await settle(pilot)
        applied = app.screen.state.applied
        done = applied.counts()["ok"]
        assert applied.cancelled and 0 < done < hires
        assert "Cancelled" in screen_text(app)
    written = await api.list_users(filter='userName sw "bulk"', count=0)
    assert written.total_results == done
    assert cli_summary(roster_db, tmp_path, path)["create"] == hires - done  # importing again: only the rest


async def test_full_sync_is_guarded_then_a_user_edited_after_the_preview_is_a_conflict(
        embedded: Embedded, api: RosterClient, roster_db: Path, tmp_path: Path) -> None:
    path = WIZARD / "edits_and_terms.csv"
    cli = cli_start(roster_db, tmp_path, path, "--deactivate-missing", "--force")
    app = embedded.app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, path)
        preview = await to_preview(pilot)
        # the full sync: warned, held over 20%, passed only on purpose; then off again
        await pilot.press("F")
        assert "DEACTIVATED" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: "!! HELD: the full sync deactivates" in screen_text(app))
        missing = preview.state.plan.missing
        assert preview.state.plan.summary()["deactivate"] == 1 + missing  # the plan says all it would do
        await pilot.press("a")  # applying a held plan: only by typing the count
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is preview and not preview.state.plan.forced
        await pilot.press("exclamation_mark")  # passing the guard takes typing how many it deactivates
        await wait_for(pilot, lambda: isinstance(app.screen, TypeCountScreen))
        await pilot.press(*str(missing + 1), "enter")
        assert isinstance(app.screen, TypeCountScreen) and "That is not" in screen_text(app)
        await pilot.press(*str(missing), "enter")
        await wait_for(pilot, lambda: "Past a guard" in screen_text(app) and "FULL SYNC ON" in screen_text(app))
        await settle(pilot)
        forced = cli_result(cli)
        assert preview.state.plan.summary() == forced
        assert_counts_shown(app, forced)
        await pilot.press("F")
        await wait_for(pilot, lambda: "left alone" in screen_text(app))
        await settle(pilot)
        assert preview.state.plan.summary()["deactivate"] == 1
        samuel = await find(api, "samuel.hill@acme.example")
        await api.patch_user(samuel["id"], [{"op": "replace", "path": "title", "value": "Edited Meanwhile"}])
        result = await apply_all(pilot)
        counts = result.state.applied.counts()
        assert counts == {"ok": 3, "conflict": 1, "failed": 0}
        text = screen_text(app)
        assert "conflict" in text and "samuel.hill@acme.example" in text
        view = result.query_one(LinesView)
        assert view.count == 4
    assert (await find(api, "samuel.hill@acme.example"))["title"] == "Edited Meanwhile"


@pytest.mark.slow
async def test_dates_are_read_in_the_one_format_that_fits_or_the_admin_chooses(embedded: Embedded,
                                                                               tmp_path: Path) -> None:
    from roster_tui.tui.screens.dialogs import PickScreen

    us = tmp_path / "us.csv"
    us.write_text("Email,First Name,Last Name,Hire Date\nus1@acme.example,Us,One,11/16/2022\n"
                  "us2@acme.example,Us,Two,03/04/2021\n", encoding="utf-8")
    either = tmp_path / "either.csv"
    either.write_text("Email,First Name,Last Name,Hire Date\neu1@acme.example,Eu,One,03/04/2021\n"
                      "eu2@acme.example,Eu,Two,05/06/2021\n", encoding="utf-8")
    app = embedded.app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_path(pilot, us)
        preview = await to_preview(pilot)
        hired = {r.key: r.changes["hire_date"][1] for r in preview.state.plan.rows}
        assert hired == {"us1@acme.example": "2022-11-16", "us2@acme.example": "2021-03-04"}
        assert preview.state.date_format == "%m/%d/%Y"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep))
        assert "read as %m/%d/%Y, the only format every one fits" in screen_text(app)
        for _ in range(3):
            await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))

        await type_path(pilot, either)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        text = screen_text(app)
        assert "%m/%d/%Y: 03/04/2021 is 2021-03-04" in text and "%d/%m/%Y: 03/04/2021 is 2021-04-03" in text
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep) and app.screen.ready)
        await settle(pilot)
        plan = app.screen.state.plan
        assert {r.changes["hire_date"][1] for r in plan.rows} == {"2021-04-03", "2021-06-05"}
        assert plan.errors == 0
