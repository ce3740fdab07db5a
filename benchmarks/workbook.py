"""Reading a workbook against reading the same rows as CSV (a script, not a test).

    .venv/bin/python benchmarks/workbook.py                 # 100,000 rows, 5 runs each
    .venv/bin/python benchmarks/workbook.py --rows 10000 --runs 3

The same rows (an email, a numeric employee ID, a real date cell, text) are written as CSV and as ``.xlsx``
(openpyxl in write-only mode, cached in /tmp/roster-bench: writing takes longer than reading). Prints a markdown
table of medians, in the same run: the file read to rows of text (``records()``), and read, mapped, scanned and
validated (``prepare_file`` + every row validated: what an import does before it looks at the roster), with the
workbook / CSV ratio of each. With ``--compare`` it also times python-calamine and fastexcel alone (fastexcel
needs pyarrow).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import CACHE, median_of
from roster_tui.core.workbook import open_import_file
from roster_tui.sync.import_file import prepare_file

HEADER = ["Email", "Employee ID", "First Name", "Last Name", "Title", "Department", "Division", "Location",
          "Manager", "Hire Date", "Status"]


def row(n: int) -> list[object]:
    return [f"user{n}@acme.example", 10_000 + n, f"First{n}", f"Last{n}", "Engineer", f"Dept {n % 50}", "R&D",
            "Berlin", f"user{n // 10}@acme.example", date(2020, 1, 1) + timedelta(days=n % 1500), "active"]


def files(rows: int) -> tuple[Path, Path]:
    """The CSV file and the workbook of ``rows`` rows (made once, cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    book, text = CACHE / f"workbook-{rows}.xlsx", CACHE / f"workbook-{rows}.csv"
    if not text.exists():
        with text.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows([str(c) if not isinstance(c, date) else c.isoformat() for c in row(n)]
                             for n in range(rows))
    if not book.exists():
        from openpyxl import Workbook  # the test extra's; only to make the file once

        started = time.perf_counter()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("People")
        sheet.append(HEADER)
        for n in range(rows):
            sheet.append(row(n))
        workbook.save(book.with_suffix(".part.xlsx"))
        book.with_suffix(".part.xlsx").rename(book)
        print(f"  wrote {book} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return text, book


def read(path: Path) -> int:
    return sum(1 for _ in open_import_file(path).records())


def prepare(path: Path) -> int:
    return sum(1 for _ in prepare_file(path).rows())


def compare_libraries(book: Path, runs: int) -> None:
    from python_calamine import CalamineWorkbook

    print(f"| python-calamine: sheet to Python values | {median_of(lambda: CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python(), runs):.3f} s |")  # noqa: E501
    try:
        import fastexcel
        import pyarrow  # noqa: F401 (fastexcel hands its sheet over as Arrow)
    except ImportError:
        print("| fastexcel | not installed (it needs pyarrow) |")
        return
    print(f"| fastexcel: sheet to Arrow | {median_of(lambda: fastexcel.read_excel(str(book)).load_sheet(0, header_row=None).to_arrow(), runs):.3f} s |")  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="also time python-calamine and fastexcel alone")
    args = parser.parse_args()
    text, book = files(args.rows)
    assert read(text) == read(book) == args.rows
    print(f"{args.rows:,} rows, median of {args.runs} runs\n")
    print("| what | CSV | .xlsx | .xlsx / CSV |\n| --- | --- | --- | --- |")
    for name, fn in (("read to rows of text", read), ("read, mapped, scanned, validated", prepare)):
        on_csv, on_book = median_of(lambda fn=fn: fn(text), args.runs), median_of(lambda fn=fn: fn(book), args.runs)
        print(f"| {name} | {on_csv:.3f} s | {on_book:.3f} s | {on_book / on_csv:.2f} |")
    if args.compare:
        print("\n| library | median |\n| --- | --- |")
        compare_libraries(book, args.runs)


if __name__ == "__main__":
    main()
