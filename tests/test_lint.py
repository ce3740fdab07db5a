"""The code base stays ruff-clean and keeps Textual inside roster_tui/tui."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "roster_tui", "tests", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_textual_only_in_tui() -> None:
    offenders = [str(p.relative_to(ROOT)) for part in ("core", "scim", "sync", "server", "cli")
                 for p in (ROOT / "roster_tui" / part).rglob("*.py")
                 if "import textual" in p.read_text() or "from textual" in p.read_text()]
    assert offenders == []
