"""The layers hold: the import contracts in pyproject.toml (import-linter), and the rules load no screen or
network library (harlequin's practice: importing the core must stay cheap and side-effect free)."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import roster_tui.core

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_importing_the_core_loads_neither_textual_nor_httpx() -> None:
    modules = [f"roster_tui.core.{m.name}" for m in pkgutil.iter_modules(roster_tui.core.__path__)]
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(sorted(m for m in ('textual', 'httpx', 'fastapi', 'sqlalchemy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(modules) > 10
    assert result.stdout.strip() == "[]"
