"""Removing users from the console: the preview (what happens to whom, and why) and the confirmation.

The preview shows the rows of :mod:`roster_tui.core.removal_plan`, the same rows ``roster remove`` prints.
Two plans are made from one lookup: deactivate-everyone (the default) and delete-where-allowed; a row
switches to its delete-plan row only where that plan deletes (no training assignments at all).
Applying, progress and the result: :mod:`roster_tui.tui.screens.removal_result`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from roster_tui.core.guards import hold
from roster_tui.core.removal import assignments_phrase
from roster_tui.core.removal_plan import (
    ACTIONS,
    RemovalKey,
    RemovalPlan,
    RemovalRow,
)
from roster_tui.core.view_table import removal_table
from roster_tui.core.wording import kind_count, plural
from roster_tui.files import removed_keys
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.guards import roster_size
from roster_tui.sync.remover import look_up_for_removal
from roster_tui.tui.screens.base import ConsoleScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen, TypeCountScreen, pass_guards
from roster_tui.tui.screens.removal_result import RemovalRunScreen
from roster_tui.tui.styles import REMOVAL_CSS
from roster_tui.tui.widgets.footer import KeyFooter
from roster_tui.tui.widgets.status import Banner, Busy, is_transient

#: More users than this are confirmed by typing their number.
TYPED_CONFIRMATION_OVER = 10
ACTION_STYLES = {"deactivate": "bold yellow", "delete": "bold red", "unchanged": "dim", "error": "bold red"}
ACTION_LABELS = {"deactivate": "deactivate", "delete": "DELETE", "unchanged": "unchanged", "error": "error"}


async def plan_both(client: RosterClient, keys: list[RemovalKey],
                    removed: Mapping[str, str] | None = None) -> tuple[RemovalPlan, RemovalPlan]:
    """One lookup, two plans of the same rows: deactivate everyone, and delete where allowed (``removed``: keys
    of users deleted earlier, "already removed" when they find no one)."""
    lookup = await look_up_for_removal(client, keys, removed)
    return lookup.plan(keys), lookup.plan(keys, delete_when_allowed=True)


@dataclass
class RemovalChoices:
    """Which rows the admin switched to deletion; every row is one of the two plans' rows."""

    deactivate: RemovalPlan
    delete: RemovalPlan
    chosen: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.deactivate.rows)

    def deletable(self, i: int) -> bool:
        """The plan deletes this row's user when deletion is asked for (no training assignments)."""
        return self.delete.rows[i].action == "delete"

    def row(self, i: int) -> RemovalRow:
        return self.delete.rows[i] if i in self.chosen else self.deactivate.rows[i]

    def toggle(self, i: int) -> bool:
        """Switch row ``i`` between deactivation and deletion; False (unchanged) when it cannot be deleted."""
        if i in self.chosen:
            self.chosen.discard(i)
            return True
        if not self.deletable(i):
            return False
        self.chosen.add(i)
        return True

    def all_deletable(self) -> list[int]:
        return [i for i in range(len(self)) if self.deletable(i)]

    def plan(self) -> RemovalPlan:
        return RemovalPlan([self.row(i) for i in range(len(self))], delete_when_allowed=bool(self.chosen))


def refusal(row: RemovalRow) -> str:
    """Why ``x`` cannot switch this row to deletion."""
    who = row.email or row.key
    if row.action == "error":
        return f"{who}: {row.reason}"
    if not row.counts:
        return f"{who}: {row.reason}; nothing to change"
    then = "it will be deactivated" if row.action == "deactivate" else "it stays inactive"
    return (f"{who} cannot be deleted: it has {assignments_phrase(row.counts)}. Only users with no training "
            f"assignments can be deleted; {then}.")


def row_prompt(row: RemovalRow, *, deletable: bool) -> Table:
    """One preview row: the action, who, why, and what can be switched."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=10, no_wrap=True)
    grid.add_column(ratio=1)
    who = Text()
    if row.line is not None:
        who.append(f"{row.origin} {row.line}  ", "dim")
    who.append(row.key, "bold")
    if row.name:
        who.append(f"  {row.name}")
    if row.email and row.email.lower() != row.key.lower():
        who.append(f" <{row.email}>")
    lines = Text()
    lines.append_text(who)
    if row.action != "error":
        lines.append("\n" + row.reason, "dim" if row.action == "unchanged" else "")
    if row.reports_note and row.action in ("deactivate", "delete"):
        lines.append("\n" + row.reports_note, "bold" if row.action == "delete" else "")
    for error in row.errors:
        lines.append("\n" + error, "red")
    for warning in row.warnings:
        if warning != "already inactive":
            lines.append("\nwarning: " + warning, "yellow")
    if row.action == "delete":
        lines.append("\npermanent · x: deactivate instead", "red")
    elif deletable:
        lines.append("\nno training assignments · x: delete instead", "cyan")
    grid.add_row(Text(ACTION_LABELS[row.action], ACTION_STYLES[row.action]), lines)
    return grid


def held_text(plan: RemovalPlan) -> str:
    """The preview's first lines: each guard holding the plan, and how to pass it ("" when none does)."""
    if not plan.held:
        return ""
    guard = plan.held[0]
    return "\n".join([*(f"!! HELD: {g.message}." for g in plan.held),
                      f"Nothing is removed unless you type {guard.count:,} (the users it would {guard.verb}) after "
                      "enter. The limits are [guards] in config.toml."])


def summary_text(plan: RemovalPlan) -> str:
    s = plan.summary()
    text = f"{plan.changes} to remove: " + " · ".join(kind_count(s[k], k) for k in ACTIONS)
    if s["delete"]:
        text += "  (deleting is permanent)"
    return text


def confirm_question(plan: RemovalPlan) -> str:
    s = plan.summary()
    text = f"Remove {plural(plan.changes, 'user')}: {s['deactivate']} deactivate, {s['delete']} delete?"
    if s["deactivate"]:
        cancels = sum(r.cancels for r in plan.to_apply() if r.action == "deactivate")
        text += (f" Deactivation cancels {plural(cancels, 'not-yet-completed assignment')}; reactivating "
                 "restores them.")
    if s["delete"]:
        text += " Deleting is permanent."
    skipped = s["unchanged"] + s["error"]
    if skipped:
        text += f" {skipped} listed entr{'y is' if skipped == 1 else 'ies are'} left as they are."
    return text


class RemovalScreen(ConsoleScreen[ApplyResult | None]):
    """Preview the removal of ``keys``; dismisses with what was applied (None: nothing)."""

    CSS_PATH = REMOVAL_CSS  # loaded when a removal screen is first shown (roster_tui.tui.styles)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "toggle_delete", "Delete/deactivate", id="removal.toggle_delete"),
        Binding("a", "all_deletable", "All deletable: delete", id="removal.all_deletable"),
        Binding("enter", "confirm", "Remove…", priority=True, id="removal.confirm"),
        Binding("escape", "cancel", "Cancel", id="removal.cancel"),
    ]

    def __init__(self, keys: list[RemovalKey], source: str) -> None:
        super().__init__(id="removal")
        self.keys = keys
        self.source = source
        self.choices: RemovalChoices | None = None
        self.roster: int | None = None  # how many users the roster has (for the share guard)

    def compose(self) -> ComposeResult:
        with Horizontal(id="removal-header"):
            yield Static(f"Remove users · {self.source}", id="removal-title", markup=False)
            yield Busy(id="busy")
        guards = Static("", id="removal-guards", markup=False)
        guards.display = False
        yield guards
        yield Static("Looking the users up…", id="removal-summary", markup=False)
        yield Static("Deactivate keeps the user and completed training (undo: reactivate). "
                     "x: delete instead, only for users with no training assignments.",
                     id="removal-hint", markup=False)
        yield Banner(id="banner")
        yield OptionList(id="removal-rows", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.run_task(self._plan(), group="removal-plan", exclusive=True)

    async def _plan(self) -> None:
        busy = self.query_one(Busy)
        busy.start()
        try:
            deactivate, delete = await plan_both(self.console.client, self.keys, removed_keys(self.console.source))
            if self.console.limits.max_share is not None:
                self.roster = await roster_size(self.console.client)
        except RosterApiError as exc:
            what = "Connection lost" if is_transient(exc) else "The service refused the lookup"
            self.query_one(Banner).show(f"{what}: {exc.detail} Escape to go back.")
            self.query_one("#removal-summary", Static).update("Nothing looked up.")
            return
        finally:
            busy.stop()
        self.choices = RemovalChoices(deactivate, delete)
        rows = self.query_one(OptionList)
        rows.add_options([Option(self._prompt(i)) for i in range(len(self.choices))])
        rows.highlighted = 0 if len(self.choices) else None
        rows.focus()
        self._show_summary()

    def _prompt(self, i: int) -> Table:
        assert self.choices is not None
        return row_prompt(self.choices.row(i), deletable=self.choices.deletable(i))

    def _guarded_plan(self) -> RemovalPlan:
        """The plan of the rows as chosen, checked against the guards (``plan.held``)."""
        assert self.choices is not None
        plan = self.choices.plan()
        hold(plan, self.console.limits, self.roster)
        return plan

    def _show_summary(self) -> None:
        if self.choices is not None:
            plan = self._guarded_plan()
            self.query_one("#removal-summary", Static).update(summary_text(plan))
            guards = self.query_one("#removal-guards", Static)
            guards.update(held_text(plan))
            guards.display = bool(plan.held)

    def _redraw(self, indexes: list[int]) -> None:
        rows = self.query_one(OptionList)
        for i in indexes:
            rows.replace_option_prompt_at_index(i, self._prompt(i))
        self._show_summary()

    # -- choosing ------------------------------------------------------------------------------

    export_name = "removal-preview"  # ctrl+e suggests removal-preview.csv

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The removal's rows, each as chosen now (deactivate or delete), with its reason (ctrl+e)."""
        choices = self.choices
        return removal_table([choices.row(i) for i in range(len(choices))] if choices is not None else [])

    def action_toggle_delete(self) -> None:
        rows = self.query_one(OptionList)
        if self.choices is None or rows.highlighted is None:
            return
        i = rows.highlighted
        if self.choices.toggle(i):
            self.query_one(Banner).clear()
            self._redraw([i])
        else:
            self.query_one(Banner).show(refusal(self.choices.row(i)), kind="warning")

    def action_all_deletable(self) -> None:
        if self.choices is None:
            return
        deletable = self.choices.all_deletable()
        if not deletable:
            self.query_one(Banner).show("No listed user can be deleted: every one has training assignments "
                                        "(or nothing to change).", kind="warning")
            return
        if set(deletable) <= self.choices.chosen:
            self.choices.chosen.clear()  # all were switched already: back to deactivating everyone
        else:
            self.choices.chosen.update(deletable)
        self.query_one(Banner).clear()
        self._redraw(deletable)

    # -- confirming ----------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self.choices is None:
            return
        plan = self._guarded_plan()
        if not plan.changes:
            self.query_one(Banner).show("Nothing to remove: every listed entry is unchanged or an error.",
                                        kind="warning")
            return
        question = confirm_question(plan)

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(plan)

        if plan.held:  # passed only by typing the count

            def passed(yes: bool | None) -> None:
                plan.forced = bool(yes)
                answered(yes)

            self.app.push_screen(pass_guards(plan.held, question), passed)
        elif plan.changes > TYPED_CONFIRMATION_OVER:
            self.app.push_screen(TypeCountScreen(question, plan.changes), answered)
        else:
            self.app.push_screen(ConfirmScreen(question, yes="Remove", no="Cancel"), answered)

    def _apply(self, plan: RemovalPlan) -> None:
        self.app.push_screen(RemovalRunScreen(plan), self.dismiss)

    def action_cancel(self) -> None:
        self.dismiss(None)
