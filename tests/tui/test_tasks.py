"""A worker that fails unexpectedly is shown to the admin (a notification, the traceback in the log), and the
console goes on."""

from __future__ import annotations

import logging

import pytest

from roster_tui.paths import console_log_file
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.tasks import failure_message

from .conftest import Embedded, settle, wait_for


def failures(app: object) -> list[object]:
    return [n for n in app._notifications if "Something went wrong" in n.message]  # type: ignore[attr-defined]


@pytest.mark.task_failures
async def test_a_failing_worker_is_shown_and_the_console_goes_on(embedded: Embedded, monkeypatch,  # type: ignore[no-untyped-def]
                                                                 caplog) -> None:
    async def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("history exploded")

    app = embedded.app()
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        monkeypatch.setattr(app.client, "user_history", broken)
        with caplog.at_level(logging.ERROR, logger="roster_tui.tui"):
            await pilot.press("enter")  # the profile at the cursor: its load fails
            await wait_for(pilot, lambda: failures(app))
        [note] = failures(app)
        assert note.severity == "error"  # type: ignore[attr-defined]
        assert note.message == ("Something went wrong: RuntimeError: history exploded; "  # type: ignore[attr-defined]
                                f"the console goes on (details in {console_log_file()})")
        [record] = [r for r in caplog.records if r.name == "roster_tui.tui"]
        assert record.exc_info and "history exploded" in caplog.text and "Traceback" in caplog.text
        assert isinstance(app.screen, ProfileScreen) and app.is_running
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await pilot.press("r")  # the roster still answers
        await settle(pilot)
        assert app.is_running and app.screen.table.total  # type: ignore[attr-defined]


def test_the_failure_message_names_the_error_or_its_kind() -> None:
    assert failure_message(KeyError()) == ("Something went wrong: KeyError; the console goes on "
                                           f"(details in {console_log_file()})")
    assert failure_message(ValueError("bad")).startswith("Something went wrong: ValueError: bad;")
