"""The import file: open, map and scan it (the first pass), stream its validated rows, write the errors CSV."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from roster_tui.core.csv_reader import CsvFile, ImportFileError
from roster_tui.core.issues import Hint
from roster_tui.core.key_scan import KeyScan, scan_keys
from roster_tui.core.mapping import FIELD_LABELS, ColumnNote, Mapping, ResolvedMapping, list_columns, resolve_mapping
from roster_tui.core.models import SyncKey
from roster_tui.core.plan import Kind, Plan
from roster_tui.core.validation import RowResult, RowValidator, check_date_format, propose_date_formats
from roster_tui.core.workbook import WorkbookFile, open_import_file
from roster_tui.files import replaced_whole
from roster_tui.heap import gc_paused
from roster_tui.sync.apply import ApplyResult, Status

#: A file of at most this many rows is read once: the first pass keeps its records for the second.
KEEP_ROWS = 250_000
#: The most rows one import plans: a plan holds every row (about 1.4 KB of memory a row: 2,000,000 rows take
#: about 2.8 GB); a larger file is refused with what to do (docs/PERFORMANCE.md).
MAX_ROWS = 2_000_000


@dataclass
class PreparedFile:
    """An import file opened, mapped and scanned (the first pass).

    With no declared date format, the end of the first pass (:meth:`end_scan`) looks at the non-ISO hire
    dates: ``date_formats`` are the formats every one of them fits; when that is a single one it is the
    validator's ``date_format`` and ``date_format_proposed`` is set (say so); two or more: ask which.
    """

    csv: CsvFile | WorkbookFile  # the file read: a CSV file or a workbook's sheet
    mapping: ResolvedMapping
    validator: RowValidator
    scan: KeyScan
    sync_key: SyncKey
    kept: list[tuple[int, list[str]]] | None = field(default_factory=list, repr=False)
    scanned: bool = False
    date_formats: list[str] = field(default_factory=list)
    date_format_proposed: bool = False
    dropped: list[str] = field(default_factory=list)  # what was not imported because the server lacks it

    @property
    def row_word(self) -> str:
        """What a row of the file is called in messages: a CSV file's ``line``, a sheet's ``row``."""
        return "row" if isinstance(self.csv, WorkbookFile) else "line"

    @property
    def mapping_key(self) -> str:
        """A short fingerprint of which header feeds which field, and of the sync field: what the change journal
        records of an import's mapping, so the next import of the same kind of file finds the last one."""
        header = self.mapping.header
        pairs = sorted((header[i].strip().casefold() if i < len(header) else "", name)
                       for i, name in self.mapping.fields.items())
        return hashlib.sha256(json.dumps([self.sync_key.value, pairs]).encode()).hexdigest()[:16]

    def drop_fields(self, names: list[str], why: str = "the server does not keep it") -> None:
        """Import nothing into ``names`` (fields the server lacks): their columns are left out, with a note
        each; the sync field cannot be left out."""
        if self.sync_key.value in names:
            raise ImportFileError(f"the roster API keeps no {FIELD_LABELS[self.sync_key.value]}, the sync field",
                                  path=self.csv.info.path, hint="Match rows by the other sync field")
        for index, name in list(self.mapping.fields.items()):
            if name in names:
                del self.mapping.fields[index]
                self.mapping.notes.append(ColumnNote(index, self.mapping.header[index], why))
                self.dropped.append(f"the server has no {FIELD_LABELS[name].lower()}: "
                                    f"{self.mapping.describe(index)} is not imported")
        self.mapping.notes.sort(key=lambda n: n.index)
        self.validator.leave_out(names)
        if "employee_id" in names:  # keys the first pass may have collected already: not to be looked up
            self.scan.employee_ids.clear()
            self.scan.duplicate_employee_ids.clear()
        if "manager" in names:
            self.scan.manager_refs.clear()

    def scan_records(self, records: Iterable[tuple[int, list[str]]]) -> None:
        """Add records of the first pass (the whole file, in order, in one or more calls)."""
        scan_keys(records if self.kept is None else self._keep(records), self.mapping, self.scan)

    def _keep(self, records: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        kept = self.kept
        assert kept is not None
        for record in records:
            if kept is not None:
                kept.append(record)
                if len(kept) > KEEP_ROWS:  # too large to keep: the second pass reads the file again
                    kept = self.kept = None
            yield record

    def end_scan(self) -> None:
        """The first pass is done: with no declared date format, take the one every non-ISO hire date fits."""
        self.scanned = True
        if self.validator.date_format is None and self.scan.date_values:
            self.date_formats = propose_date_formats(self.scan.date_values)
            if len(self.date_formats) == 1:
                self.validator.date_format = self.date_formats[0]
                self.date_format_proposed = True

    def records(self) -> Iterable[tuple[int, list[str]]]:
        """The data records: kept by the first pass when the file is small enough, else read again."""
        return self.kept if self.scanned and self.kept is not None else self.csv.records()

    def rows(self) -> Iterator[RowResult]:
        """The validated rows (the second pass), with the problems the reader found in their records."""
        validate, problems = self.validator, self.csv.problems
        for line, cells in self.records():
            row = validate(line, cells)
            if line in problems:  # filled as the records stream: the first pass has them all
                row.errors.append(problems[line])
            yield row


def prepare_file(path: str | Path, *, sync_key: SyncKey | str = SyncKey.EMAIL,
                 overrides: dict[str, str] | None = None, saved: Mapping | None = None,
                 date_format: str | None = None, encoding: str | None = None, delimiter: str | None = None,
                 scan: bool = True, sheet: str | int | None = None,
                 opened: CsvFile | WorkbookFile | None = None) -> PreparedFile:
    """Open, map and scan a file; raises :class:`ImportFileError` when it cannot be imported at all.

    ``encoding`` / ``delimiter`` replace what was detected; ``sheet`` chooses a workbook's sheet; ``opened``: the
    file already opened so (a workbook is read once). With ``scan=False`` the first pass is left to
    ``importer.plan_import`` (in slices, beside the roster's fetch).
    """
    with gc_paused():  # a workbook's rows are read whole and stay: frozen, no collection walks them
        source = opened or open_import_file(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    estimated = source.estimated_records()
    if MAX_ROWS < estimated <= 2 * MAX_ROWS:  # an estimate from the first lines: count before refusing
        estimated = source.line_breaks() - 1
    if estimated > MAX_ROWS:
        raise ImportFileError(f"the file holds about {estimated:,} rows, more than the {MAX_ROWS:,} one import "
                              "plans (a plan keeps every row in memory)", path=source.info.path,
                              hint=f"Split it into files of at most {MAX_ROWS:,} rows and import them in turn")
    columns = {**(saved.columns if saved else {}), **(overrides or {})}
    date_format = date_format or (saved.date_format if saved else None)
    if date_format:
        check_date_format(date_format)
    key = SyncKey(sync_key)
    mapping = resolve_mapping(source.info.header, columns)
    if mapping.column_of(key.value) is None:
        raise ImportFileError(
            f"no column is mapped to {key.value} ({FIELD_LABELS[key.value]}), the sync field",
            path=source.info.path, line=source.info.header_line,
            hint=f"Columns: {list_columns(source.info.header)}. Map a column to {key.value}, or match rows by "
                 "the other sync field", action=Hint.MAP_COLUMN)
    validator = RowValidator(mapping, key, date_format, source.info.delimiter_name)
    prepared = PreparedFile(source, mapping, validator, KeyScan(), key)
    if scan:
        with gc_paused():
            prepared.scan_records(source.records())
        prepared.end_scan()
    return prepared


def write_errors_csv(prepared: PreparedFile, errors: dict[int, str], out: str | Path) -> int:
    """The rows with errors, as the file had them (invalid bytes too), plus an ``error`` column (and for a
    workbook, a ``sheet row`` column: the row's number in the sheet); returns the row count."""
    info = prepared.csv.info
    workbook = isinstance(prepared.csv, WorkbookFile)
    count = 0
    with replaced_whole(out, encoding="utf-8-sig", errors="surrogateescape") as f:
        writer = csv.writer(f, delimiter=info.delimiter, lineterminator="\r\n")
        writer.writerow([*info.header, "error", *(["sheet row"] if workbook else [])])
        for line, cells in prepared.csv.records():
            if line in errors:
                row = [*cells, *[""] * (len(info.header) - len(cells))]
                while len(row) > len(info.header) and not row[-1].strip():
                    row.pop()
                writer.writerow([*row, errors[line], *([line] if workbook else [])])
                count += 1
    return count


def error_lines(plan: Plan, applied: ApplyResult | None = None) -> dict[int, str]:
    """Line -> reason of every row the errors CSV holds: the plan's errors, and after an apply, the rows that
    conflicted or failed."""
    errors = {r.line: "; ".join(r.errors) for r in plan.rows if r.action == Kind.ERROR and r.line is not None}
    if applied is not None:
        for outcome in applied.outcomes:
            if outcome.status != Status.OK and outcome.row.line is not None:
                errors[outcome.row.line] = f"{outcome.status}: {outcome.error}"
    return errors
