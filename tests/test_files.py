"""Files in the user's dirs: saved mappings, recent imports, secrets, and files written whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.mapping import IGNORE, mapping_from, resolve_mapping
from roster_tui.files import (
    load_mapping,
    load_recent,
    read_secret_file,
    remember,
    replaced_whole,
    save_mapping,
    saved_mapping_names,
    write_secret_file,
)


def test_save_and_load_in_the_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path))
    resolved = resolve_mapping(["Mail", "Given Name", "Notes"], {"Mail": "email"})
    path = save_mapping(mapping_from(resolved), "hr-weekly")
    assert path == tmp_path / "mappings" / "hr-weekly.toml"
    loaded = load_mapping("hr-weekly")
    assert loaded.columns == {"Mail": "email", "Given Name": "first_name", "Notes": IGNORE}
    assert resolve_mapping(["Mail", "Given Name", "Notes"], loaded.columns).fields == resolved.fields
    assert load_mapping(str(path)).columns == loaded.columns
    assert saved_mapping_names() == ["hr-weekly"]


def test_a_missing_mapping_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot read"):
        load_mapping(str(tmp_path / "none.toml"))


def test_recent_files_are_absolute_newest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    remember("a.csv")
    remember("sub/b.csv")
    remember("a.csv")
    assert load_recent() == [str(tmp_path / "a.csv"), str(tmp_path / "sub" / "b.csv")]


def test_secrets_are_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "token"
    write_secret_file(path, "s3cret")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_secret_file(path) == "s3cret"
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        read_secret_file(path)


def test_a_file_written_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("before")
    with pytest.raises(RuntimeError), replaced_whole(path) as out:
        out.write("half")
        raise RuntimeError("the service died")
    assert path.read_text() == "before" and sorted(tmp_path.iterdir()) == [path]
    with replaced_whole(path) as out:
        out.write("after")
    assert path.read_text() == "after" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
