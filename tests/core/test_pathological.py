"""Pathological files get a clear error or a bounded answer, never a crash or a hang.

How fast they are answered is measured by benchmarks/files.py (a benchmark, not a test: no test asserts a time);
the tests check the answers, and that the work grows with the file as it should (counted, not timed).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster_tui.core.csv_reader import ImportFileError, open_csv
from roster_tui.core.mapping import list_columns, resolve_mapping


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


def test_100000_columns_are_mapped_and_listed_in_brief(tmp_path: Path) -> None:
    header = ["Email", *(f"c{i}" for i in range(100_000))]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + ",".join(["a@b.com", *["v"] * 100_000]) + "\n")
    csv = open_csv(path)
    assert len(csv.info.header) == 100_001
    mapping = resolve_mapping(csv.info.header)
    assert mapping.fields == {0: "email"}
    assert len(mapping.notes) == 100_000
    assert list_columns(header).endswith("… and 99,981 more")


def calls(fn: Callable[[], object]) -> int:
    """How many Python calls ``fn`` makes (each resumption of a generator counts too): its work, counted."""
    made = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal made
        if event == "call":
            made += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return made


def test_mapping_work_grows_linearly_with_the_columns() -> None:
    """Four times the columns, four times the work (a check per column against every note, or against the whole
    header per override, made it sixteen: 100,000 columns took 2 minutes)."""
    def work(columns: int) -> int:
        header = ["Email", *(f"c{i:06d}" for i in range(columns))]  # of one length: the same work per column
        # a third ignored by the mapping, half of those named as the header spells them, half in capitals
        overrides = {f"{'C' if i % 2 else 'c'}{i:06d}": "ignore" for i in range(0, columns, 3)}
        return calls(lambda: resolve_mapping(header, overrides))

    small, large = work(2_000), work(8_000)
    assert small > 2_000
    assert large <= 4.2 * small, (small, large)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(1, 8), opened=st.data(), column=st.integers(1, 3), newline=st.sampled_from(["\n", "\r\n"]))
def test_an_unclosed_quote_is_reported_at_its_line_and_nothing_before_it_is_lost(
        tmp_path: Path, rows: int, opened: st.DataObject, column: int, newline: str) -> None:
    lines = [f"u{i}@x.example,U{i},Last{i},Title{i}" for i in range(rows)]
    k = opened.draw(st.integers(0, rows - 1))
    cells = lines[k].split(",")
    cells[column] = '"' + cells[column]
    lines[k] = ",".join(cells)
    path = tmp_path / "q.csv"
    path.write_text(newline.join(["Email,First Name,Last Name,Title", *lines]) + newline, newline="")
    f = open_csv(path)
    records = list(f.records())
    assert [line for line, _ in records] == list(range(2, k + 3))  # the rest is inside the unclosed quote
    assert [c for _, c in records[:k]] == [line.split(",") for line in lines[:k]]
    if k == rows - 1:  # a quote opened on the last line takes in nothing
        assert f.problems == {}
    else:
        taken = f"line {k + 3}" if k == rows - 2 else f"lines {k + 3}-{rows + 1}"
        assert f.problems == {k + 2: f"the quote opened here never closes: it takes in {taken}, to the end of the "
                                     "file; close the quote"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.lists(st.text(alphabet="ab 1.\n\r-#", max_size=20), min_size=1, max_size=6))
def test_quoted_line_breaks_without_rows_in_them_are_no_problem(tmp_path: Path, notes: list[str]) -> None:
    body = "".join(f'u{i}@x.example,U{i},Last{i},"{note}"\r\n' for i, note in enumerate(notes))
    path = tmp_path / "notes.csv"
    path.write_text("Email,First Name,Last Name,Notes\r\n" + body, newline="")
    f = open_csv(path)
    assert [cells[3] for _, cells in f.records()] == notes
    assert f.problems == {}
