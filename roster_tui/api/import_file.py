"""The import file: open, map and scan it (the first pass), stream its validated rows, write the errors CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roster_tui.core.csv_reader import CsvFile, ImportFileError, open_csv
from roster_tui.core.mapping import FIELD_LABELS, Mapping, ResolvedMapping, list_columns, resolve_mapping
from roster_tui.core.models import SyncKey
from roster_tui.core.validation import KeyScan, RowValidator, check_date_format, scan_keys


@dataclass
class PreparedFile:
    """An import file opened, mapped and scanned (the first pass)."""

    csv: CsvFile
    mapping: ResolvedMapping
    validator: RowValidator
    scan: KeyScan
    sync_key: SyncKey

    def rows(self) -> Iterable[Any]:
        """The validated rows, streamed from the file (the second pass)."""
        validate = self.validator
        return (validate(line, cells) for line, cells in self.csv.records())


def prepare_file(path: str | Path, *, sync_key: SyncKey | str = SyncKey.EMAIL,
                 overrides: dict[str, str] | None = None, saved: Mapping | None = None,
                 date_format: str | None = None) -> PreparedFile:
    """Open, map and scan a file; raises :class:`ImportFileError` when it cannot be imported at all."""
    source = open_csv(path)
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
            hint=f"Columns: {list_columns(source.info.header)}. Use --map 'HEADER={key.value}' "
                 "or choose another --sync-key")
    validator = RowValidator(mapping, key, date_format, source.info.delimiter_name)
    scan = scan_keys(source.records(), mapping)
    return PreparedFile(source, mapping, validator, scan, key)


def write_errors_csv(prepared: PreparedFile, errors: dict[int, str], out: str | Path) -> int:
    """The rows with errors, as the file had them, plus an ``error`` column; returns the row count."""
    info = prepared.csv.info
    count = 0
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=info.delimiter, lineterminator="\r\n")
        writer.writerow([*info.header, "error"])
        for line, cells in prepared.csv.records():
            if line in errors:
                row = [*cells, *[""] * (len(info.header) - len(cells))]
                while len(row) > len(info.header) and not row[-1].strip():
                    row.pop()
                writer.writerow([*row, errors[line]])
                count += 1
    return count
