"""``ctrl+e``: the view on screen to a CSV or JSON file (the extension typed chooses), like harlequin's export.

A screen offers its view in one of two ways (checked by name, so any screen can, the app knowing none of them):

- ``export_rows() -> (headers, rows)``: the rows as text, taken when the key is pressed (a plan, a frequency
  table, a group of changes);
- ``export_pages() -> PagedExport``: rows fetched page by page while the file is written (the roster as
  filtered: it may hold a million users, never all in the console).

``export_name`` (optional) names the file suggested in the current directory (``roster-view.csv``). The file is
written whole or not at all (:func:`roster_tui.files.replaced_whole`, 0600), an existing one only once the admin
says so; CSV cells are escaped as ``roster export`` escapes them. ``esc`` stops a long export (nothing written).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from roster_tui.core.view_table import ViewWriter, export_format
from roster_tui.core.wording import plural
from roster_tui.files import replaced_whole
from roster_tui.scim.errors import RosterApiError
from roster_tui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from roster_tui.tui.tasks import Tasks

BATCH = 1000  # rows written between two looks at the keyboard

#: Pages of a view: ``(total rows or None, rows)`` each.
Pages = Callable[[], AsyncIterator[tuple[int | None, list[list[str]]]]]


@runtime_checkable
class ExportsRows(Protocol):
    """A screen whose view is a table of text."""

    def export_rows(self) -> tuple[list[str], list[list[str]]]: ...


@dataclass(frozen=True)
class PagedExport:
    """A view too large to hold: its headers and its pages, fetched as they are written."""

    headers: list[str]
    pages: Pages


def offers_export(screen: object) -> bool:
    """Whether ``screen`` has a view to export."""
    return callable(getattr(screen, "export_rows", None)) or callable(getattr(screen, "export_pages", None))


def _in_batches(rows: list[list[str]]) -> Pages:
    async def pages() -> AsyncIterator[tuple[int | None, list[list[str]]]]:
        for start in range(0, max(1, len(rows)), BATCH):
            yield len(rows), rows[start:start + BATCH]
    return pages


def start_export(screen: Screen[Any]) -> bool:
    """Ask for a file name, then export the view of ``screen`` as it is now; False when it has none."""
    if not offers_export(screen):
        return False
    paged = getattr(screen, "export_pages", None)
    if callable(paged):
        view: PagedExport = paged()
    else:
        headers, rows = screen.export_rows()  # type: ignore[attr-defined]
        view = PagedExport(headers, _in_batches(rows))
    app = screen.app
    suggested = f"{getattr(screen, 'export_name', 'view')}.csv"

    def write(path: str, fmt: str) -> None:
        app.push_screen(ExportScreen(view, path, fmt))

    def chosen(typed: str | None) -> None:
        if not typed or not typed.strip():
            return
        path = os.path.expanduser(typed.strip())
        fmt = export_format(path)
        if fmt is None:
            app.notify(f"Not exported: {typed.strip()} does not end in .csv or .json.", severity="warning",
                       timeout=4)
        elif Path(path).is_dir() or not Path(path).absolute().parent.is_dir():
            app.notify(f"Not exported: {path} is a folder, or its folder does not exist.", severity="warning",
                       timeout=4)
        elif Path(path).exists():
            app.push_screen(ConfirmScreen(f"{path} exists. Replace it?", yes="Replace"),
                            lambda yes: write(path, fmt) if yes else None)
        else:
            write(path, fmt)

    app.push_screen(PromptScreen("Export this view to a file (.csv or .json):", suggested,
                                 placeholder="roster-view.csv"), chosen)
    return True


class ExportScreen(Tasks, ModalScreen[None]):
    """Writes a view to a file with its progress; ``esc`` stops (the file is then left as it was)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "stop", "Stop", id="export.stop")]

    def __init__(self, view: PagedExport, path: str, fmt: str) -> None:
        super().__init__(classes="dialog")
        self.view, self.path, self.fmt = view, path, fmt
        self.written: int | None = None  # rows, once the file is complete

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(f"Exporting to {self.path}…", id="export-progress", classes="dialog-text", markup=False)
            yield Label("esc: stop (nothing is written)", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self._worker = self.run_task(self._write(), group="export", exclusive=True)

    async def _write(self) -> None:
        label = self.query_one("#export-progress", Label)
        try:
            with replaced_whole(self.path) as out:
                writer = ViewWriter(out, self.fmt, self.view.headers)
                async for total, rows in self.view.pages():
                    writer.write(rows)
                    of = f" of {total:,}" if total is not None else ""
                    label.update(f"Exporting to {self.path}: {writer.count:,}{of} rows…")
                    await asyncio.sleep(0)  # keys (esc) are answered between batches
                count = writer.close()
        except RosterApiError as exc:
            self.notify(f"Not exported: the roster API failed ({exc}); {self.path} is as it was.",
                        severity="error", timeout=8)
        except OSError as exc:
            self.notify(f"Not exported: {exc.strerror or exc} ({self.path})", severity="error", timeout=8)
        else:
            self.written = count
            self.app.notify(f"Exported {plural(count, 'row')} to {Path(self.path).absolute()}", timeout=5)
        self.dismiss(None)

    def action_stop(self) -> None:
        self._worker.cancel()
        self.app.notify(f"Export stopped: nothing written ({self.path} is as it was).", severity="warning",
                        timeout=4)
        self.dismiss(None)
