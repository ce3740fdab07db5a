"""A terms list for removal: pasted emails / employee IDs, or a file loaded by its path.

Both are read by :func:`roster_tui.sync.remover.read_keys_file`, the reader of ``roster remove --from``
(pasted text is read from a temporary file), so a list means the same in the console and the CLI: comments
(``#``) and the text around a key are dropped. The preview opens over the editor: escape comes back to the
text as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Static, TextArea

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.removal_plan import RemovalKey
from roster_tui.core.wording import plural
from roster_tui.files import confined
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.remover import read_keys_file
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.styles import REMOVAL_CSS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.status import Banner

PASTED = "pasted list"


def read_pasted(text: str) -> list[RemovalKey]:
    """The keys of pasted text, read exactly as a terms file (one key per line, or a CSV)."""
    fd, name = tempfile.mkstemp(prefix="roster-terms-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        try:
            return read_keys_file(name)
        except ImportFileError as exc:
            where = f"{PASTED}, line {exc.line}" if exc.line else PASTED
            hint = f". {exc.hint}" if exc.hint else ""
            raise ImportFileError(f"{where}: {exc.reason}{hint}") from exc
    finally:
        Path(name).unlink(missing_ok=True)


class TermsListScreen(Screen[ApplyResult | None]):
    """Paste or load a terms list and preview its removal; dismisses with what was applied (None: nothing)."""

    CSS_PATH = REMOVAL_CSS  # loaded when a removal screen is first shown (roster_tui.tui.styles)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "preview_pasted", "Preview pasted", id="terms.preview"),
        Binding("ctrl+o", "load_file", "Load file", id="terms.load_file"),
        Binding("escape", "cancel", "Cancel", id="terms.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__(id="terms-list")

    def compose(self) -> ComposeResult:
        yield Static("Remove users from a terms list", id="terms-title", markup=False)
        yield Label("Paste emails or employee IDs, one per line (or a CSV with an Email or Employee ID "
                    "column), then ctrl+s:", classes="terms-label", id="terms-help", markup=False)
        yield TextArea(id="terms-text", soft_wrap=False, show_line_numbers=True)
        with Horizontal(id="terms-file-row"):
            yield Label("Or load a file:", classes="terms-label", markup=False)
            yield Input(placeholder="path/to/terms.csv (enter or ctrl+o)", id="terms-path")
        yield Banner(id="banner")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#terms-path", Input).cursor_blink = self.app.animation_level != "none"
        self.query_one("#terms-text", TextArea).cursor_blink = self.app.animation_level != "none"
        self.query_one("#terms-text", TextArea).focus()

    def _use(self, keys: list[RemovalKey], source: str) -> None:
        if not keys:
            self.query_one(Banner).show(f"{source}: no emails or employee IDs to remove.", kind="warning")
            return
        self.app.push_screen(RemovalScreen(keys, f"{source} ({plural(len(keys), 'key')})"), self._previewed)

    def _previewed(self, result: ApplyResult | None) -> None:
        """Back from the preview: with removals applied the list is done; cancelled, it is edited again."""
        if result is not None:
            self.dismiss(result)

    def action_preview_pasted(self) -> None:
        text = self.query_one("#terms-text", TextArea).text
        if not text.strip():
            if self.query_one("#terms-path", Input).value.strip():
                self.action_load_file()
                return
            self.query_one(Banner).show("Paste a list first, or give a file's path.", kind="warning")
            return
        try:
            keys = read_pasted(text)
        except ImportFileError as exc:
            self.query_one(Banner).show(str(exc))
            return
        self._use(keys, PASTED)

    def action_load_file(self) -> None:
        field = self.query_one("#terms-path", Input)
        path = field.value.strip()
        if not path:
            field.focus()
            self.query_one(Banner).show("Type the path of the terms file, then enter.", kind="info")
            return
        try:
            keys = read_keys_file(confined(path))
        except (ImportFileError, PermissionError) as exc:
            self.query_one(Banner).show(str(exc))
            return
        self._use(keys, Path(path).name)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "terms-path":
            self.action_load_file()

    def action_cancel(self) -> None:
        self.dismiss(None)
