"""The roster console: a Textual app built around a roster API client (``roster`` with no arguments)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

import roster_tui
from roster_tui.api.client import RosterClient
from roster_tui.config import ApiSettings
from roster_tui.core.models import SyncKey


def styles_dir() -> Path:
    """The ``styles`` directory: inside the installed package, else the source checkout's top-level one."""
    installed = Path(roster_tui.__file__).parent / "styles"
    if (installed / "app.tcss").exists():
        return installed
    return Path(__file__).resolve().parents[2] / "styles"


class RosterApp(App[int]):
    """Review the roster and keep profiles right, keyboard only."""

    CSS_PATH: ClassVar[list[str | Path]] = [styles_dir() / "app.tcss", styles_dir() / "removal.tcss",
                                              styles_dir() / "wizard.tcss"]
    TITLE = "roster"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "toggle_help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        client: RosterClient,
        *,
        source: str,
        sync_field: SyncKey = SyncKey.EMAIL,
        role_catalog: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.source = source
        self.sync_field = sync_field
        self._role_catalog = role_catalog
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"

    async def role_catalog(self) -> list[str]:
        """The admin roles the service offers (asked once)."""
        if self._role_catalog is None:
            self._role_catalog = await self.client.admin_role_catalog()
        return self._role_catalog

    def on_mount(self) -> None:
        from roster_tui.tui.screens.roster import RosterScreen

        self.push_screen(RosterScreen())

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers the current screen's actions first, then Textual's own."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            keys = binding.key_display or binding.key
            yield SystemCommand(
                binding.description,
                f"{binding.description} ({keys})",
                partial(self.run_action, binding.action, active.node),
            )
        yield from super().get_system_commands(screen)


def create_app(
    client: RosterClient,
    *,
    source: str,
    sync_field: SyncKey = SyncKey.EMAIL,
    role_catalog: list[str] | None = None,
) -> RosterApp:
    """Build the console around ``client``; ``source`` is what the header says the data comes from."""
    return RosterApp(client, source=source, sync_field=sync_field, role_catalog=role_catalog)


def run_app(settings: ApiSettings) -> int:
    """Open the configured roster API and run the console until the admin quits."""
    from roster_tui.api.connect import open_client

    async def main() -> int:
        async with open_client(settings) as client:
            await create_app(client, source=settings.source).run_async()
        return 0

    return asyncio.run(main())
