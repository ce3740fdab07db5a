"""``roster`` (the console) answers esc without Textual's 100 ms wait for more bytes, unless ESCDELAY says
otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import roster_tui.cli.console_cmd, textual.constants as c; print(c.ESCAPE_DELAY)"


def escape_delay(**env: str) -> float:
    base = {k: v for k, v in os.environ.items() if k != "ESCDELAY"}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, text=True,
                         check=True).stdout
    return float(out)


def test_the_console_waits_25_ms_after_esc_unless_escdelay_is_set() -> None:
    assert escape_delay() == 0.025
    assert escape_delay(ESCDELAY="200") == 0.2
