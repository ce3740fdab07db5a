"""Wizard step 2: each CSV header beside the field it maps to (or why it is not imported); sync field, dates."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.issues import Hint
from roster_tui.core.mapping import FIELD_LABELS, IGNORE, column_letter, mapping_from, resolve_mapping
from roster_tui.core.models import ROSTER_FIELDS, SyncKey
from roster_tui.core.validation import check_date_format
from roster_tui.core.wording import one_line
from roster_tui.files import load_mapping, save_mapping, saved_mapping_names
from roster_tui.paths import mappings_dir
from roster_tui.tui.screens.dialogs import PickScreen, PromptScreen
from roster_tui.tui.screens.wizard_base import WizardStep
from roster_tui.tui.screens.wizard_validation import ValidationStep
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView

TARGETS: tuple[str, ...] = (*ROSTER_FIELDS, IGNORE)
SYNC_LABELS = {SyncKey.EMAIL: "Email", SyncKey.EMPLOYEE_ID: "Employee ID"}


def target_label(name: str) -> str:
    return "not imported" if name == IGNORE else f"{FIELD_LABELS.get(name, name)} ({name})"


class MappingStep(WizardStep):
    """Confirm or change how columns map to fields, the sync field and the date format."""

    STEP = 2
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="wizard.back"),
        Binding("right", "cycle_field(1)", "Field", key_display="←→", priority=True, id="wizard.mapping.next_field"),
        Binding("left", "cycle_field(-1)", "Previous field", show=False, priority=True,
                id="wizard.mapping.previous_field"),
        Binding("enter", "next", "Validate", priority=True, id="wizard.mapping.next"),
        Binding("f", "pick_field", "Pick field", id="wizard.mapping.pick_field"),
        Binding("s", "sync_field", "Sync field", id="wizard.mapping.sync_field"),
        Binding("d", "date_format", "Dates", id="wizard.mapping.dates"),
        Binding("w", "save_mapping", "Save", tooltip="Save the mapping", show=False, id="wizard.mapping.save"),
        Binding("l", "load_mapping", "Load", tooltip="Load a saved mapping", show=False, id="wizard.mapping.load"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        yield Static("", id="mapping-settings", markup=False)
        yield Static("", id="mapping-problem", markup=False)
        yield LinesView(header=f"{'Col':<4}{'CSV header':<24}{'First value':<22}Imported as", id="mapping")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(LinesView).focus()
        self.refresh_mapping()

    def on_screen_resume(self) -> None:
        self.refresh_mapping(keep_cursor=True)

    # -- showing -------------------------------------------------------------------------------

    def refresh_mapping(self, *, keep_cursor: bool = False) -> None:
        state = self.state
        assert state.source is not None
        header = state.source.info.header
        problem = self.query_one("#mapping-problem", Static)
        try:
            resolved = state.mapping()
        except ImportFileError as exc:
            problem.update(f"! {exc}")
            return
        notes = {n.index: n.reason + (" (←→ or f picks a field)" if n.hint == Hint.MAP_COLUMN else "")
                 for n in resolved.notes}
        first = state.head[0][1] if state.head else []
        view = self.query_one(LinesView)
        cursor = view.cursor

        def render(i: int) -> Text:
            letter = column_letter(i)
            value = one_line(first[i] if i < len(first) else "")
            text = Text(f"{letter:<4}{header[i][:22] or '(no header)':<24}{value[:20]:<22}")
            if i in resolved.fields:
                text.append(f"→ {target_label(resolved.fields[i])}", view.style_for("create"))
            else:
                text.append(f"not imported: {notes.get(i, '')}", view.style_for("warning"))
            return text

        view.set_rows(len(header), render)
        if keep_cursor:
            view.cursor = min(cursor, max(0, len(header) - 1))
            view.refresh()
        date = state.date_format or "ISO (YYYY-MM-DD)"
        self.query_one("#mapping-settings", Static).update(
            f"{state.path}\nSync field (matches rows to users): {SYNC_LABELS[state.sync_key]}  ·  "
            f"Date format: {date}  ·  {len(resolved.fields)} of {len(header)} columns imported")
        if resolved.column_of(state.sync_key.value) is None:
            problem.update(f"! No column is mapped to the sync field {SYNC_LABELS[state.sync_key]}: "
                           "map one (←→ or f) or choose another sync field (s).")
        else:
            problem.update("")

    def _set_target(self, index: int, target: str) -> None:
        """Map column ``index`` to ``target``; a column that had that field stops being imported."""
        state = self.state
        assert state.source is not None
        header = state.source.info.header
        if not header[index]:
            self.notify("A column without a header cannot be mapped.", severity="warning", timeout=3)
            return
        try:
            current = state.mapping()
        except ImportFileError:
            current = None
        if current is not None and target != IGNORE:
            for i, name in current.fields.items():
                if name == target and i != index and header[i]:
                    state.overrides[header[i]] = IGNORE
        state.overrides[header[index]] = target
        self.refresh_mapping(keep_cursor=True)

    # -- actions -------------------------------------------------------------------------------

    def action_cycle_field(self, step: int) -> None:
        view = self.query_one(LinesView)
        if not view.count:
            return
        try:
            current = self.state.mapping().fields.get(view.cursor, IGNORE)
        except ImportFileError:
            current = IGNORE
        self._set_target(view.cursor, TARGETS[(TARGETS.index(current) + step) % len(TARGETS)])

    def action_pick_field(self) -> None:
        view = self.query_one(LinesView)
        if not view.count:
            return
        index = view.cursor

        def chosen(value: str | None) -> None:
            if value:
                self._set_target(index, value)

        header = self.state.source.info.header[index] if self.state.source else ""
        self.app.push_screen(PickScreen(f"Import column {header!r} as:",
                                        [(t, target_label(t)) for t in TARGETS]), chosen)

    def action_sync_field(self) -> None:
        keys = list(SYNC_LABELS)
        self.state.sync_key = keys[(keys.index(self.state.sync_key) + 1) % len(keys)]
        self.state.reset_plan()
        self.refresh_mapping(keep_cursor=True)

    def action_date_format(self) -> None:
        def chosen(value: str | None) -> None:
            if value is None:
                return
            value = value.strip()
            if value:
                try:
                    check_date_format(value)
                except ImportFileError as exc:
                    self.notify(str(exc), severity="error", timeout=5)
                    return
            self.state.date_format = value or None
            self.refresh_mapping(keep_cursor=True)

        self.app.push_screen(PromptScreen("The file's date format (blank: ISO YYYY-MM-DD only):",
                                          self.state.date_format or "", placeholder="e.g. %m/%d/%Y"), chosen)

    def action_save_mapping(self) -> None:
        def chosen(name: str | None) -> None:
            if not name or not name.strip():
                return
            try:
                mapping = mapping_from(self.state.mapping())
                mapping.sync_key, mapping.date_format = self.state.sync_key.value, self.state.date_format
                path = save_mapping(mapping, name.strip())
            except (ImportFileError, OSError) as exc:
                self.notify(f"Not saved: {exc}", severity="error", timeout=5)
                return
            self.notify(f"Mapping saved to {path}", timeout=3)

        self.app.push_screen(PromptScreen("Save this mapping as (a name or a .toml path):",
                                          placeholder="e.g. workday"), chosen)

    def action_load_mapping(self) -> None:
        names = saved_mapping_names()
        if not names:
            self.notify(f"No saved mappings in {mappings_dir()} yet (w saves one).", severity="warning", timeout=4)
            return

        def chosen(name: str | None) -> None:
            if not name:
                return
            try:
                saved = load_mapping(name)
                header = self.state.source.info.header if self.state.source else []
                columns = {h: f for h, f in saved.columns.items() if h in header}
                resolve_mapping(header, columns)
            except ImportFileError as exc:
                self.notify(f"Not loaded: {exc}", severity="error", timeout=5)
                return
            self.state.overrides = columns
            if saved.sync_key:
                self.state.sync_key = SyncKey(saved.sync_key)
            self.state.date_format = saved.date_format or self.state.date_format
            self.refresh_mapping()
            self.notify(f"Mapping {name!r} loaded", timeout=2)

        self.app.push_screen(PickScreen("Load which saved mapping?", [(n, n) for n in names]), chosen)

    def action_next(self) -> None:
        try:
            resolved = self.state.mapping()
        except ImportFileError as exc:
            self.notify(str(exc), severity="error", timeout=5)
            return
        if resolved.column_of(self.state.sync_key.value) is None:
            self.notify("Map a column to the sync field first.", severity="error", timeout=4)
            return
        self.state.reset_plan()
        self.app.push_screen(ValidationStep(self.state))
