"""Pathological files get a clear error or a bounded answer, never a crash or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from roster_tui.core.csv_reader import ImportFileError, open_csv
from roster_tui.core.mapping import list_columns, resolve_mapping


@pytest.mark.timeout(60)
def test_a_100_mb_field_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write('Email,Title\na@b.com,"')
        for _ in range(100):
            f.write("x" * 1_000_000)
        f.write('"\n')
    with pytest.raises(ImportFileError) as error:
        list(open_csv(path).records())
    assert ":2:" in str(error.value) and "field larger than" in str(error.value)


@pytest.mark.timeout(60)
def test_100000_columns_map_in_linear_time(tmp_path: Path) -> None:
    header = ["Email", *(f"c{i}" for i in range(100_000))]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + ",".join(["a@b.com", *["v"] * 100_000]) + "\n")
    csv = open_csv(path)
    assert len(csv.info.header) == 100_001
    mapping = resolve_mapping(csv.info.header)
    assert mapping.fields == {0: "email"}
    assert len(mapping.notes) == 100_000
    assert list_columns(header).endswith("… and 99,981 more")
