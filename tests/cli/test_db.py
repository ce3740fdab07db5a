"""A database named by --db must exist (a typo would start an empty roster) unless the admin asks to create it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from roster_tui.server.storage.migrations import LATEST


def roster(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")}
    env.update(ROSTER_CONFIG_DIR=str(tmp / "cfg"), ROSTER_DATA_DIR=str(tmp / "data"), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=env, cwd=tmp, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("command", [
    ["export"], ["import", "hires.csv"], ["remove", "a@x.example"], ["serve", "--port", "9"], ["token", "list"],
    ["db", "upgrade"], [],
], ids=lambda c: " ".join(c[:1]) or "console")
@pytest.mark.parametrize("missing", ["nope.db", "no/such/folder/roster.db"])
def test_a_missing_database_is_refused_and_not_created(tmp_path: Path, command: list[str], missing: str) -> None:
    (tmp_path / "hires.csv").write_text("Email,First Name,Last Name\na@x.example,A,B\n")
    db = str(tmp_path / missing)
    for args in (["--db", db, *command], [*command, "--db", db]):
        done = roster(tmp_path, *args)
        assert done.returncode == 2, done
        assert done.stderr == (f'roster: no roster database at {db}: create it with "roster db init {db}" '
                               "(or add --create)\n")
        assert not (tmp_path / missing).exists() and not (tmp_path / "no").exists()


def test_create_flag_before_or_after_the_command_makes_a_usable_database(tmp_path: Path) -> None:
    first, second = tmp_path / "new" / "a.db", tmp_path / "b.db"
    made = roster(tmp_path, "--create", "--db", str(first), "export")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Email,")
    assert roster(tmp_path, "export", "--db", str(second), "--create").returncode == 0
    for db in (first, second):
        assert db.exists()
        done = roster(tmp_path, "--db", str(db), "db", "upgrade")  # now there: no --create needed
        assert done.returncode == 0 and f"schema version {LATEST}" in done.stderr


def test_db_init_creates_once_then_says_it_exists(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "roster.db"
    made = roster(tmp_path, "db", "init", str(db))
    assert made.returncode == 0, made.stderr
    assert db.exists() and f"created a roster database at {db}: schema version {LATEST}" in made.stderr
    again = roster(tmp_path, "db", "init", str(db))
    assert again.returncode == 0
    assert f"{db}: a roster database exists already (schema version {LATEST}" in again.stderr
    assert roster(tmp_path, "export", "--db", str(db)).returncode == 0


def test_db_init_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database, just notes\n" * 100)
    done = roster(tmp_path, "db", "init", str(notes))
    assert done.returncode == 2 and "cannot be used as a roster database" in done.stderr
    assert "Traceback" not in done.stderr


def test_seed_may_create_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    done = roster(tmp_path, "--db", str(db), "seed", "--users", "5")
    assert done.returncode == 0, done.stderr
    assert db.exists()


def test_the_default_location_is_created_on_first_use(tmp_path: Path) -> None:
    done = roster(tmp_path, "export")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "roster.db").exists()
