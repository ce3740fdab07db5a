"""How long pathological import files take to be answered (a script, not a test: the tests check the answers and
count the work, tests/core/test_pathological.py; the times are measured here).

    .venv/bin/python benchmarks/files.py              # 100,000 columns, a 100 MB field, 3 runs each
    .venv/bin/python benchmarks/files.py --runs 5 --columns 200000

Prints a markdown table of medians: reading and mapping a header of ``--columns`` columns, and refusing a file
whose one field is ``--field-mb`` MB (``field larger than field limit``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import median_of
from roster_tui.core.csv_reader import ImportFileError, open_csv
from roster_tui.core.mapping import list_columns, resolve_mapping


def wide_file(folder: Path, columns: int) -> Path:
    path = folder / "wide.csv"
    header = ["Email", *(f"c{i}" for i in range(columns))]
    path.write_text(",".join(header) + "\n" + ",".join(["a@b.example", *["v"] * columns]) + "\n")
    return path


def huge_field_file(folder: Path, megabytes: int) -> Path:
    path = folder / "huge.csv"
    with path.open("w") as f:
        f.write('Email,Title\na@b.example,"')
        for _ in range(megabytes):
            f.write("x" * 1_000_000)
        f.write('"\n')
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, default=100_000)
    parser.add_argument("--field-mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wide = wide_file(folder, args.columns)

        def map_wide() -> None:
            header = open_csv(wide).info.header
            mapping = resolve_mapping(header)
            assert len(mapping.notes) == args.columns
            list_columns(header)

        huge = huge_field_file(folder, args.field_mb)

        def refuse_huge() -> None:
            try:
                list(open_csv(huge).records())
            except ImportFileError as exc:
                assert "field larger than" in str(exc)
            else:
                raise AssertionError("the huge field was read")

        rows = [(f"read and map a header of {args.columns:,} columns", median_of(map_wide, args.runs)),
                (f"refuse a {args.field_mb} MB field", median_of(refuse_huge, args.runs))]
    print(f"| file | median s ({args.runs} runs) |\n|---|---|")
    for what, seconds in rows:
        print(f"| {what} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
