"""``roster`` (the console) answers esc without Textual's 100 ms wait for more bytes, unless ESCDELAY says
otherwise."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

PROBE = "import roster_tui.cli.console_cmd, textual.constants as c; print(c.ESCAPE_DELAY)"


def escape_delay(**env: str) -> float:
    base = {k: v for k, v in os.environ.items() if k != "ESCDELAY"}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, text=True,
                         check=True).stdout
    return float(out)


def test_the_console_waits_25_ms_after_esc_unless_escdelay_is_set() -> None:
    assert escape_delay() == 0.025
    assert escape_delay(ESCDELAY="200") == 0.2


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_the_command_line_leaves_httpx_s_own_out_until_it_is_called() -> None:
    """roster_tui.cli.lean: httpx's command line (click, pygments) is not imported with httpx, yet it runs."""
    loaded = run_python("import sys, roster_tui.cli.main as m; m.build_parser(); import httpx; "
                        "print(sorted({'click', 'pygments', 'httpx'} & set(sys.modules)))")
    assert loaded.strip() == "['httpx']"
    shown = subprocess.run([sys.executable, "-c", "import roster_tui.cli.main, httpx; httpx.main(['--help'])"],
                           capture_output=True, text=True)
    assert shown.returncode == 0 and "Usage: httpx" in shown.stdout


def test_the_console_starts_without_the_import_export_and_removal_code() -> None:
    """Parsing the command line (roster_tui.cli.parsers) and the console's first screen import none of it."""
    code = ("import sys, roster_tui.cli.main as m; m.build_parser(); import roster_tui.cli.console_cmd; "
            "print(sorted(n for n in sys.modules if n.startswith(('roster_tui.cli.', 'roster_tui.core.', "
            "'roster_tui.sync.', 'email_validator'))))")
    loaded = run_python(code)
    for name in ("cli.import_cmd", "cli.export_cmd", "cli.remove_cmd", "core.validation", "core.plan",
                 "core.removal_plan", "sync.apply", "sync.importer"):
        assert f"roster_tui.{name}'" not in loaded, loaded
    assert "email_validator" not in loaded


def test_the_console_sends_its_first_requests_early_to_an_api_only() -> None:
    """The embedded service is started in-process later: nothing to send early (roster_tui.scim.early)."""
    from roster_tui.cli.main import _send_first_requests
    from roster_tui.config import ApiSettings

    assert _send_first_requests(ApiSettings(None, None, "roster.db")) == (None, None)


def test_the_command_line_collects_garbage_again_once_its_modules_are_imported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """roster_tui.heap.collection_paused: no collection while the start imports, and the console runs with one."""
    from roster_tui.cli import console_cmd
    from roster_tui.cli import main as cli

    seen: list[bool] = []
    monkeypatch.setattr(console_cmd, "run_console",
                        lambda api, early=None, first_frame=None: seen.append(gc.isenabled()) or 0)
    monkeypatch.setenv("ROSTER_API_TOKEN", "t")
    assert cli.main(["--api", "http://127.0.0.1:9/scim/v2"]) == 0
    assert seen == [True] and gc.isenabled()
