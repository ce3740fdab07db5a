"""Wizard step 1: choose the file (typed with completion, browsed, or recent) and see how it was read."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import DataTable, DirectoryTree, Input, OptionList, Static
from textual.widgets.option_list import Option

from roster_tui.core.csv_reader import CsvFile, ImportFileError
from roster_tui.core.wording import one_line, plural
from roster_tui.core.workbook import WORKBOOK_SUFFIXES, WorkbookFile, open_import_file
from roster_tui.files import confined, load_recent, may_use, remember
from roster_tui.paths import files_root
from roster_tui.sync.slices import run_in_slices
from roster_tui.tui.screens.dialogs import PickScreen
from roster_tui.tui.screens.wizard_base import WizardStep
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.styles import WIZARD_CSS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.wizard_state import WizardState

ENCODING_CHOICES: tuple[str | None, ...] = (None, "utf-8", "utf-8-sig", "cp1252", "utf-16")
DELIMITER_CHOICES: tuple[str | None, ...] = (None, ",", ";", "\t")


def head_rows(source: CsvFile | WorkbookFile, count: int = 8) -> list[tuple[int, list[str]]]:
    """The first ``count`` data records (line, cells)."""
    return list(itertools.islice(source.records(), count))


async def count_rows(source: CsvFile | WorkbookFile) -> int:
    """The number of data records, counted in slices (the event loop keeps running)."""
    return await run_in_slices(iter(source.records()), lambda _batch: None)


class PathSuggester(Suggester):
    """Completes the last part of a path from the file system (``→`` accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        path = Path(os.path.expanduser(value))
        folder, stem = (path, "") if value.endswith(os.sep) else (path.parent, path.name)
        try:
            folder = confined(folder)
            names = sorted(p.name + (os.sep if p.is_dir() else "") for p in folder.iterdir()
                           if p.name.startswith(stem) and not p.name.startswith("."))
        except OSError:
            return None
        return value + names[0][len(stem):] if names else None


#: The files the browser lists besides folders: those the wizard reads.
IMPORT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", *WORKBOOK_SUFFIXES})


class ImportTree(DirectoryTree):
    """Folders, CSV, TSV and TXT files and workbooks (hidden ones left out), with plain-text icons any terminal
    font has."""

    ICON_NODE = "+ "
    ICON_NODE_EXPANDED = "- "
    ICON_FILE = "  "

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.suffix.lower() in IMPORT_SUFFIXES or p.is_dir())]


class BrowseScreen(ModalScreen[str | None]):
    """A directory browser: enter on a file chooses it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="browse.cancel")]
    CSS_PATH = WIZARD_CSS  # loaded when a wizard screen is first shown (roster_tui.tui.styles)

    def __init__(self, start: Path) -> None:
        super().__init__(classes="dialog")
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box browse-box"):
            yield Static(f"Choose a CSV, TSV or TXT file or a workbook (enter opens a folder or chooses a file) · "
                         f"{self.start}",
                         classes="dialog-text", markup=False)
            yield ImportTree(self.start, id="browse")
        yield KeyFooter()

    @on(DirectoryTree.FileSelected)
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FileStep(WizardStep):
    """Type, browse or pick a recent file; its encoding, delimiter, size and first rows are shown."""

    STEP = 1
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="wizard.back"),
        Binding("ctrl+o", "browse", "Browse", id="wizard.file.browse"),
        Binding("ctrl+r", "recent", "Recent", tooltip="Recent files", id="wizard.file.recent"),
        Binding("ctrl+g", "cycle_encoding", "Encoding", id="wizard.file.encoding"),
        Binding("ctrl+t", "cycle_delimiter", "Delimiter", id="wizard.file.delimiter"),
        Binding("ctrl+l", "sheet", "Sheet", tooltip="Choose the workbook's sheet", id="wizard.file.sheet"),
        Binding("ctrl+n", "next", "Next", tooltip="Next: the mapping", id="wizard.file.next"),
    ]

    def __init__(self, state: WizardState | None = None) -> None:
        super().__init__(state or WizardState())
        self._loaded: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        yield Input(self.state.path, placeholder="path to the CSV file or workbook (→ completes, enter opens)",
                    suggester=PathSuggester(), id="file-path")
        recent = load_recent()
        yield OptionList(*(Option(p, id=p) for p in recent), id="recent", markup=False)
        yield Static("", id="file-info", markup=False)
        yield DataTable(id="file-head", cursor_type="row", zebra_stripes=True)
        yield Static("", id="file-hint", markup=False)
        yield KeyFooter()

    def on_unmount(self) -> None:
        self.console.release_heap()  # the wizard is over: its plan (frozen once built) can go

    def on_mount(self) -> None:
        recent = self.query_one("#recent", OptionList)
        recent.display = recent.option_count > 0
        recent.border_title = "Recent files (enter opens)"
        self.query_one("#file-head").display = False
        self.query_one("#file-path", Input).focus()

    # -- choosing ------------------------------------------------------------------------------

    @on(Input.Submitted, "#file-path")
    def _submitted(self, event: Input.Submitted) -> None:
        value = os.path.expanduser(event.value.strip())
        if value and value == self._loaded:
            self.action_next()
        elif value:
            self.open_path(value)

    @on(OptionList.OptionSelected, "#recent")
    def _recent_chosen(self, event: OptionList.OptionSelected) -> None:
        path = str(event.option.id)
        self.query_one("#file-path", Input).value = path
        self.query_one("#file-path", Input).focus()
        self.open_path(path)

    def action_recent(self) -> None:
        recent = self.query_one("#recent", OptionList)
        if recent.option_count:
            recent.focus()
        else:
            self.notify("No recent files yet.", timeout=2)

    def action_browse(self) -> None:
        current = Path(os.path.expanduser(self.query_one("#file-path", Input).value.strip() or "."))
        start = current if current.is_dir() else current.parent if current.parent.is_dir() else Path.cwd()
        if (root := files_root()) is not None and not may_use(start):  # a confined session browses its folder
            start = root

        def chosen(path: str | None) -> None:
            if path:
                self.query_one("#file-path", Input).value = path
                self.query_one("#file-path", Input).focus()
                self.open_path(path)

        self.app.push_screen(BrowseScreen(start.resolve()), chosen)

    def action_sheet(self) -> None:
        """Choose the sheet of a workbook holding several."""
        source = self.state.source
        if self._loaded is None or not isinstance(source, WorkbookFile):
            self.notify("Open a workbook first: a CSV file has no sheets.", severity="warning", timeout=3)
            return
        path, info = self._loaded, source.info

        def chosen(sheet: str | None) -> None:
            if sheet is not None and sheet != info.sheet:
                self.state.sheet = sheet
                self.open_path(path, keep_choices=True)

        self.app.push_screen(PickScreen("Read which sheet of the workbook?", [(n, n) for n in info.sheets]), chosen)

    def action_cycle_encoding(self) -> None:
        self._cycle("encoding", ENCODING_CHOICES)

    def action_cycle_delimiter(self) -> None:
        self._cycle("delimiter", DELIMITER_CHOICES)

    def _cycle(self, name: str, choices: tuple[str | None, ...]) -> None:
        if self._loaded is None:
            self.notify("Open a file first.", severity="warning", timeout=2)
            return
        current = getattr(self.state, name)
        setattr(self.state, name, choices[(choices.index(current) + 1) % len(choices)])
        self.open_path(self._loaded, keep_choices=True)

    # -- reading -------------------------------------------------------------------------------

    def open_path(self, path: str, *, keep_choices: bool = False) -> None:
        if not keep_choices:
            self.state.encoding = self.state.delimiter = self.state.sheet = None
        self._loaded = None
        self.query_one("#file-info", Static).update(f"Reading {path}…")
        self.run_task(self._open(path), group="file", exclusive=True)

    async def _open(self, path: str) -> None:
        state = self.state
        info = self.query_one("#file-info", Static)
        try:
            source = await self.in_thread(open_import_file, confined(path), encoding=state.encoding,
                                          delimiter=state.delimiter, sheet=state.sheet)
            head = await self.in_thread(head_rows, source)
        except (ImportFileError, PermissionError) as exc:
            info.update(f"Cannot import this file: {exc}")
            self.query_one("#file-head").display = False
            return
        if state.path != path:
            state.overrides = {}
        state.path, state.source, state.head = path, source, head
        if isinstance(source, WorkbookFile):
            self.console.freeze_heap(more=True)  # its rows, read whole, live until the wizard ends
        state.reset_plan()
        self._loaded = path
        self._show(source, head, rows=None)
        remember(path)
        rows = await count_rows(source)
        if self._loaded == path:
            self._show(source, head, rows=rows)

    def _show(self, source: CsvFile | WorkbookFile, head: list[tuple[int, list[str]]], rows: int | None) -> None:
        i = source.info
        chosen = " (chosen)" if self.state.delimiter else ""
        count = plural(rows, "row") if rows is not None else "counting rows…"
        if isinstance(source, WorkbookFile):
            read = f"{source.info.format_text}  ·  {count}  ·  {len(i.header)} columns (header on row {i.header_line})"
        else:
            read = (f"Encoding: {i.encoding_label}  ·  Delimiter: {i.delimiter_name}{chosen}  ·  {count}  ·  "
                    f"{len(i.header)} columns (header on line {i.header_line})")
        self.query_one("#file-info", Static).update(f"{i.path}\n{read}")
        table = self.query_one("#file-head", DataTable)
        table.clear(columns=True)
        table.add_column("Row" if isinstance(source, WorkbookFile) else "Line", key="line")
        for n, h in enumerate(i.header):  # Text, not str: DataTable parses a str header or cell as markup
            table.add_column(Text(h or "(no header)"), key=f"c{n}")
        for line, cells in head:
            cells = [*cells[:len(i.header)], *[""] * (len(i.header) - len(cells))]
            table.add_row(str(line), *(Text(one_line(c)[:30]) for c in cells))
        table.display = True
        if isinstance(source, WorkbookFile):
            sheets = len(source.info.sheets)
            hint = f"The workbook has {sheets} sheets: ctrl+l chooses another. " if sheets > 1 else ""
            hint += "enter or ctrl+n: next."
        else:
            hint = "Wrong guess? ctrl+g changes the encoding, ctrl+t the delimiter. enter or ctrl+n: next."
        self.query_one("#file-hint", Static).update(hint)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+l (the sheet) only for a workbook of several sheets; the encoding and the delimiter not for a
        workbook (its cells are read as they are). The footer shows the keys that apply."""
        workbook = self._loaded is not None and isinstance(self.state.source, WorkbookFile)
        if action == "sheet":
            return workbook and len(self.state.source.info.sheets) > 1  # type: ignore[union-attr]
        if action in ("cycle_encoding", "cycle_delimiter"):
            return not workbook
        return True

    def action_next(self) -> None:
        if self._loaded is None or self.state.source is None:
            self.notify("Open a file first (type its path and press enter).", severity="warning", timeout=3)
            return
        self.app.push_screen(MappingStep(self.state))
