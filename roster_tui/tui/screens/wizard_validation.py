"""Wizard step 3: the file checked and planned; counts, then every error and warning, filtered and searched."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, ProgressBar, Static

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.validation import telling_examples
from roster_tui.core.wording import one_line, plural
from roster_tui.scim.errors import RosterApiError
from roster_tui.tui.screens.dialogs import ConfirmScreen, PickScreen
from roster_tui.tui.screens.wizard_base import WizardStep
from roster_tui.tui.screens.wizard_preview import PreviewStep
from roster_tui.tui.styles import WIZARD_CSS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.lines_view import LinesView
from roster_tui.tui.wizard_state import Issue, WizardState

FILTERS = ("all", "errors", "warnings")
NO_VALID_ROW = "Every row has an error: nothing to import. Fix the file (s saves the errors as CSV) and open it again."


class IssueScreen(ModalScreen[None]):
    """One message of the validation table whole (the table cuts it at the screen's edge)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,space,enter", "close", "Close", id="issue.close")]
    CSS_PATH = WIZARD_CSS  # loaded when a wizard screen is first shown (roster_tui.tui.styles)

    def __init__(self, issue: Issue) -> None:
        super().__init__(classes="dialog")
        self.issue = issue

    def compose(self) -> ComposeResult:
        issue = self.issue
        where = f"line {issue.line}" if issue.line is not None else "the file"
        column = f", column {issue.column}" if issue.column else ""
        with Vertical(classes="dialog-box", id="issue"):
            yield Static(f"{issue.kind.capitalize()} on {where}{column}", classes="dialog-text", markup=False)
            if issue.value:
                yield Static(f"Value: {one_line(issue.value)}", classes="dialog-text", markup=False)
            yield Static(issue.message, classes="dialog-text", markup=False)
        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss(None)


class ValidationStep(WizardStep):
    """Check every row (in workers); show the counts and a table of errors and warnings."""

    STEP = 3
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="wizard.back"),
        Binding("f", "cycle_filter", "Filter", id="wizard.validation.filter"),
        Binding("slash", "search", "Search", key_display="/", id="wizard.validation.search"),
        Binding("s", "save_errors", "Save errors", tooltip="Save the errors as CSV",
                id="wizard.validation.save_errors"),
        Binding("space", "details", "Message", tooltip="The row's whole message", id="wizard.validation.details"),
        Binding("enter", "next", "Next", tooltip="Next: the preview", priority=True, id="wizard.validation.next"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.filter = "all"
        self.search = ""
        self.shown: list[Issue] = []

    def compose(self) -> ComposeResult:
        yield from self.step_title()
        yield Static("", id="validation-stage", markup=False)
        yield ProgressBar(total=None, show_eta=False, id="validation-progress")
        yield Static("", id="validation-counts", markup=False)
        yield Input(placeholder="search line, column, value or message (enter: back to the table)",
                    id="validation-search")
        yield Static("", id="validation-filter", markup=False)
        yield LinesView(header=f"{'Line':>6}  {'Kind':<8}{'Column':<18}{'Value':<20}Message",
                        empty="No errors or warnings.", id="issues")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#validation-search").display = False
        self.query_one(LinesView).focus()
        if self.state.plan is None:
            self.run_task(self._check(), group="plan", exclusive=True)
        else:
            self._show()

    @property
    def ready(self) -> bool:
        return self.state.plan is not None

    async def _check(self) -> None:
        stage = self.query_one("#validation-stage", Static)
        try:
            await self.run_plan(stage.update)
        except ImportFileError as exc:
            stage.update(f"! The file cannot be imported: {exc}. Press escape to go back.")
        except RosterApiError as exc:
            stage.update(f"! The roster API could not be used: {exc}. Press escape, then enter to retry.")
        else:
            self._show()
            if self.state.date_choices:
                self._ask_date_format()
        finally:
            self.query_one(ProgressBar).display = False

    def _ask_date_format(self) -> None:
        """The dates fit several formats: the admin says which one, and the file is checked again with it."""
        state = self.state
        assert state.prepared is not None
        examples = telling_examples(state.prepared.scan.date_values, state.date_choices)

        def chosen(value: str | None) -> None:
            if value:
                state.date_format = value
                state.reset_plan()
                self.run_task(self._check(), group="plan", exclusive=True)

        self.app.push_screen(PickScreen(f"{state.date_note} Which one?",
                                        [(f, e) for f, e in zip(state.date_choices, examples, strict=True)]),
                             chosen)

    def _show(self) -> None:
        state = self.state
        assert state.plan is not None and state.prepared is not None
        self.query_one(ProgressBar).display = False
        summary = state.plan.summary()
        rows = state.prepared.scan.rows
        errors = summary["error"]
        self.query_one("#validation-stage", Static).update(
            f"{state.path}: {plural(rows, 'row')} checked, matched by {state.sync_key.value}."
            + (f"\n{state.date_note}" if state.date_note else ""))
        self.query_one("#validation-counts", Static).update(
            f"{plural(rows - errors, 'valid row')}  ·  {plural(errors, 'error')}  ·  "
            f"{plural(summary['warning'], 'warning')}  "
            f"(rows with warnings are imported)\n"
            + (NO_VALID_ROW if errors and errors >= rows else
               "Rows with errors are not imported; the valid rows can go on without them (enter)."
               if errors else "No row has an error."))
        self._filter()

    def _filter(self) -> None:
        wanted = {"all": None, "errors": "error", "warnings": "warning"}[self.filter]
        needle = self.search
        self.shown = [i for i in self.state.issues
                      if (wanted is None or i.kind == wanted) and (not needle or i.matches(needle))]
        view = self.query_one(LinesView)
        shown = self.shown

        def render(n: int) -> Text:
            issue = shown[n]
            line = str(issue.line) if issue.line is not None else "-"
            text = Text(f"{line:>6}  ")
            text.append(f"{issue.kind:<8}", view.style_for(issue.kind))
            value = one_line(issue.value)
            text.append(f"{issue.column[:17]:<18}{value[:19]:<20}{issue.message}")
            return text

        view.set_rows(len(shown), render)
        search = f"  ·  search {needle!r}" if needle else ""
        self.query_one("#validation-filter", Static).update(
            f"Showing {self.filter} ({len(shown):,} of {len(self.state.issues):,} messages){search}  "
            "·  f: filter  /: search")

    # -- actions -------------------------------------------------------------------------------

    def action_cycle_filter(self) -> None:
        if self.ready:
            self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
            self._filter()

    def action_details(self) -> None:
        view = self.query_one(LinesView)
        if self.ready and 0 <= view.cursor < len(self.shown):
            self.app.push_screen(IssueScreen(self.shown[view.cursor]))

    def action_search(self) -> None:
        search = self.query_one("#validation-search", Input)
        search.display = True
        search.value = self.search
        search.focus()

    @on(Input.Changed, "#validation-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self.ready and event.value != self.search:
            self.search = event.value
            self._filter()

    @on(Input.Submitted, "#validation-search")
    def _search_done(self) -> None:
        self.query_one(LinesView).focus()

    def action_back(self) -> None:
        search = self.query_one("#validation-search", Input)
        if search.has_focus:
            search.display = False
            self.query_one(LinesView).focus()
            return
        super().action_back()

    def action_save_errors(self) -> None:
        if self.ready:
            self.save_errors("Write the rows with errors (plus an error column) to:", "rows with errors")

    def action_next(self) -> None:
        if self.query_one("#validation-search", Input).has_focus:
            self.query_one(LinesView).focus()
            return
        plan = self.state.plan
        if plan is None:
            self.notify("Still checking the file…", timeout=2)
            return
        if not plan.errors:
            self.app.push_screen(PreviewStep(self.state))
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(PreviewStep(self.state))

        assert self.state.prepared is not None  # planned with the plan
        valid = self.state.prepared.scan.rows - plan.errors
        if valid <= 0:
            self.notify(NO_VALID_ROW, severity="warning", timeout=6)
            return
        self.app.push_screen(ConfirmScreen(
            f"{plan.errors:,} {'row has an error' if plan.errors == 1 else 'rows have errors'} and will not be "
            "imported.\n"
            f"Go on with the {plural(valid, 'valid row')}?", yes="Go on"), answer)
