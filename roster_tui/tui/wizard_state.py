"""What the import wizard's steps share: the file, the mapping choices, the plan and the result; recent files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from roster_tui.core.csv_reader import CsvFile
from roster_tui.core.issues import parts
from roster_tui.core.mapping import ResolvedMapping, resolve_mapping
from roster_tui.core.models import SyncKey
from roster_tui.core.plan import Plan
from roster_tui.core.roster import RosterIndex
from roster_tui.core.workbook import WorkbookFile
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.import_file import PreparedFile, error_lines, write_errors_csv


@dataclass(slots=True)
class Issue:
    """One error or warning of the validation table."""

    line: int | None
    kind: str  # error, warning
    column: str
    value: str
    message: str
    key: str
    index: int | None = None  # the file's column the issue is about

    def matches(self, needle: str) -> bool:
        needle = needle.lower()
        return any(needle in str(v).lower() for v in (self.line, self.column, self.value, self.message,
                                                       self.key))


def issues_of(plan: Plan) -> list[Issue]:
    """The plan's errors and warnings, one per message, with the column each names (``B Employee ID``)."""
    out: list[Issue] = []
    for row in plan.rows:
        for kind, messages in (("error", row.errors), ("warning", row.warnings)):
            for message in messages:
                where, text = parts(message)
                index = where.index if where is not None else None
                column = f"{where.letter} {where.header}" if where is not None and index is not None else ""
                out.append(Issue(row.line, kind, column, "", text, row.key, index))
    return out


def issues_by_line(issues: list[Issue]) -> dict[int, list[Issue]]:
    """The issues that name a cell, by line (for :func:`fill_values`)."""
    wanted: dict[int, list[Issue]] = {}
    for issue in issues:
        if issue.line is not None and issue.index is not None:
            wanted.setdefault(issue.line, []).append(issue)
    return wanted


def fill_values(wanted: dict[int, list[Issue]], records: Iterable[tuple[int, list[str]]]) -> None:
    """Set each wanted issue's cell value from the file's records (all of them, or a slice)."""
    for line, cells in records:
        for issue in wanted.get(line, ()):
            index = issue.index or 0
            issue.value = cells[index] if index < len(cells) else ""


@dataclass
class WizardState:
    """Everything the wizard has learned and chosen so far (one import)."""

    path: str = ""
    encoding: str | None = None  # None: as detected
    delimiter: str | None = None
    sheet: str | None = None  # a workbook's sheet (None: the first)
    source: CsvFile | WorkbookFile | None = None
    head: list[tuple[int, list[str]]] = field(default_factory=list)
    overrides: dict[str, str] = field(default_factory=dict)  # header -> field or ignore
    sync_key: SyncKey = SyncKey.EMAIL
    date_format: str | None = None
    date_note: str = ""  # how the file's dates were read, or why they could not be
    date_choices: list[str] = field(default_factory=list)  # formats every date fits: the admin chooses
    prepared: PreparedFile | None = None
    index: RosterIndex | None = None
    plan: Plan | None = None
    issues: list[Issue] = field(default_factory=list)
    full_sync: bool = False
    force: bool = False
    applied: ApplyResult | None = None

    def mapping(self) -> ResolvedMapping:
        """The columns as the engine maps them with the admin's overrides (raises ImportFileError)."""
        assert self.source is not None
        return resolve_mapping(self.source.info.header, self.overrides)

    def reset_plan(self) -> None:
        self.prepared = self.index = self.plan = self.applied = None
        self.issues = []
        self.full_sync = self.force = False

    def errors_csv_default(self) -> str:
        p = Path(self.path)
        return str(p.with_name(f"{p.stem}.errors.csv"))

    def write_errors(self, out: str) -> int:
        """Write the errors CSV (plan errors, plus failures after an apply); returns the row count."""
        assert self.prepared is not None and self.plan is not None
        return write_errors_csv(self.prepared, error_lines(self.plan, self.applied), out)
