"""``roster import``'s arguments: ``--map HEADER=field``."""

from __future__ import annotations

from pathlib import Path

import pytest

from roster_tui.cli.import_cmd import parse_overrides
from roster_tui.cli.main import main
from roster_tui.core.csv_reader import ImportFileError


def test_map_arguments_become_overrides() -> None:
    assert parse_overrides(["Work Mail=email", "email=ignore", " notes = Title "]) == {
        "Work Mail": "email", "email": "ignore", "notes": "title"}


def test_bad_map_arguments_are_clear_errors() -> None:
    with pytest.raises(ImportFileError, match="unknown field 'salary'"):
        parse_overrides(["Pay=salary"])
    with pytest.raises(ImportFileError, match="HEADER=field"):
        parse_overrides(["nothing"])


def test_the_text_plan_shows_a_new_users_email_when_rows_match_by_employee_id(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hires.csv"
    path.write_text("Employee ID,Email,First Name,Last Name\nE900001,new.one@acme.example,New,One\n", encoding="utf-8")
    assert main(["import", str(path), "--sync-key", "employee-id", "--db", str(tmp_path / "r.db"), "--create"]) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  + ")]
    assert line == "  + line 2  E900001  (email new.one@acme.example; first_name New; last_name One; status active)"
