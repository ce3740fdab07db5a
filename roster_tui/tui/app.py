"""The roster console: a Textual app built around a roster API client (``roster`` with no arguments)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen

from roster_tui import heap
from roster_tui.core.access import Access
from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.guards import Limits
from roster_tui.core.models import SyncKey
from roster_tui.scim.client import RosterClient
from roster_tui.tui.keys import unknown_ids
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.styles import APP_CSS
from roster_tui.tui.typeahead import Typeahead
from roster_tui.tui.widgets.keys_help import KeysHelp


class RosterApp(Typeahead, App[int]):
    """Review the roster and keep profiles right, keyboard only (the :class:`~roster_tui.tui.context.Console` of
    its screens)."""

    CSS_PATH: ClassVar[list[str | Path]] = [APP_CSS]  # the removal's and the wizard's: roster_tui.tui.styles
    TITLE = "roster"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "toggle_help", "Help", key_display="?", id="app.help"),
        Binding("escape", "close_help", "Close help", show=False, priority=True, id="app.close_help"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="app.quit"),
        Binding("ctrl+e", "export_view", "Export", tooltip="Export the view (CSV or JSON)", show=False,
                priority=True, id="app.export"),
    ]

    def __init__(
        self,
        client: RosterClient,
        *,
        source: str,
        sync_field: SyncKey = SyncKey.EMAIL,
        role_catalog: list[str] | None = None,
        keymap: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        anomalies: AnomalyLimits | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.source = source
        self.sync_field = sync_field
        self.limits = limits or Limits()
        self.access: Access | None = None  # told by the service (the roster screen asks once its rows are up)
        self.anomalies = anomalies or AnomalyLimits()
        self._role_catalog = role_catalog
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        self._keymap = dict(keymap or {})
        if self._keymap:
            self.set_keymap(self._keymap)

    async def role_catalog(self) -> list[str]:
        """The admin roles the service offers (asked once)."""
        if self._role_catalog is None:
            self._role_catalog = list((await self.client.features()).role_catalog)
        return self._role_catalog

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Show a notification as plain text, whatever ``markup`` says: messages quote user data (names, file
        paths, the service's errors), and ``Widget.notify`` always asks for markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        self.push_screen(RosterScreen())
        if unknown := unknown_ids(self._keymap):
            self.notify(f"config.toml [keys]: no binding has the id {', '.join(unknown)}; the console's binding ids "
                        "are listed in docs/CONSOLE.md.", severity="warning", timeout=10)

    def freeze_heap(self, *, more: bool = False) -> None:
        """Keep what is alive now out of the garbage collector's scans (:func:`roster_tui.heap.freeze`).

        The roster calls this once its first rows are up, and again when it is back on screen; the import wizard
        with ``more`` once its plan is built.
        """
        heap.freeze(more=more)

    def release_heap(self) -> None:
        """Hand the frozen objects back to the collector (the wizard ended: its plan is garbage now)."""
        heap.release()

    def on_unmount(self) -> None:
        heap.release(final=True)

    # -- the way home ------------------------------------------------------------------------------

    def _roster_screen(self) -> RosterScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, RosterScreen)), None)

    def roster_changed(self) -> None:
        """Users were written: reload the roster table and its counts."""
        roster = self._roster_screen()
        if roster is not None:
            roster.reload_roster()

    def back_to_roster(self) -> None:
        """Close every screen above the roster."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, RosterScreen):
            self.pop_screen()

    # -- help ------------------------------------------------------------------------------------

    def _help(self) -> KeysHelp | None:
        """The help panel on screen, if open."""
        found = self.screen.query(KeysHelp)
        return found.first() if found and found.first().display else None

    def action_toggle_help(self) -> None:
        if self._help() is not None:
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """Show the keys of the screen (the panel is made once per screen, then shown and hidden)."""
        found = self.screen.query(KeysHelp)
        panel = found.first() if found else KeysHelp()
        panel.show_for(self.screen)
        if not found:
            self.screen.mount(panel)

    def action_hide_help_panel(self) -> None:
        if (panel := self._help()) is not None:
            panel.display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """escape closes the help while it is open; otherwise the key is the screen's (back, clear...)."""
        if action == "close_help":
            return self._help() is not None
        if action == "export_view":  # only where there is a view to export (else ctrl+e is the input's "end")
            view = self._view_screen()
            return callable(getattr(view, "export_rows", None)) or callable(getattr(view, "export_pages", None))
        return super().check_action(action, parameters)

    def action_close_help(self) -> None:
        self.action_hide_help_panel()

    def action_export_view(self) -> None:
        """Export the view on screen (a screen offering ``export_rows`` or ``export_pages``) to CSV or JSON."""
        from roster_tui.tui.screens.export_view import start_export  # loaded on first use: a lean start

        if not start_export(self._view_screen()):
            raise SkipAction()

    def _view_screen(self) -> Screen:
        """The screen whose view ctrl+e exports: the one on top, or the one under the command palette."""
        stack = self.screen_stack
        return stack[-2] if isinstance(stack[-1], CommandPalette) and len(stack) > 1 else stack[-1]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers the current screen's actions once each (the console's bindings), then Textual's
        own that are not among them."""
        seen = {"Keys", "Close help"}  # Textual's help is ours (Help); escape closes it
        for active in screen.active_bindings.values():
            binding = active.binding
            title = binding.tooltip or binding.description
            if not binding.id or not title or title in seen or not active.enabled:
                continue
            seen.add(title)
            yield SystemCommand(title, f"{title} ({self.get_key_display(binding)})",
                                partial(self.run_action, binding.action, active.node))
        for command in super().get_system_commands(screen):
            if command.title not in seen:
                yield command


def create_app(
    client: RosterClient,
    *,
    source: str,
    sync_field: SyncKey = SyncKey.EMAIL,
    role_catalog: list[str] | None = None,
    keymap: Mapping[str, str] | None = None,
    limits: Limits | None = None,
    anomalies: AnomalyLimits | None = None,
) -> RosterApp:
    """Build the console around ``client``; ``source`` is what the header says the data comes from, ``keymap``
    the bindings rebound (binding id: keys, the ``[keys]`` table of config.toml), ``limits`` the guards' (the
    ``[guards]`` table; default: their defaults), ``anomalies`` when an import's are called out (``[anomalies]``)."""
    return RosterApp(client, source=source, sync_field=sync_field, role_catalog=role_catalog, keymap=keymap,
                     limits=limits, anomalies=anomalies)
