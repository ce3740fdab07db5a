"""``roster import``'s arguments: ``--map HEADER=field``."""

from __future__ import annotations

import pytest

from roster_tui.cli.import_cmd import parse_overrides
from roster_tui.core.csv_reader import ImportFileError


def test_map_arguments_become_overrides() -> None:
    assert parse_overrides(["Work Mail=email", "email=ignore", " notes = Title "]) == {
        "Work Mail": "email", "email": "ignore", "notes": "title"}


def test_bad_map_arguments_are_clear_errors() -> None:
    with pytest.raises(ImportFileError, match="unknown field 'salary'"):
        parse_overrides(["Pay=salary"])
    with pytest.raises(ImportFileError, match="HEADER=field"):
        parse_overrides(["nothing"])
