"""The roster console: a Textual app built around a roster API client (``roster`` with no arguments)."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections import deque
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen

import roster_tui
from roster_tui.config import ApiSettings
from roster_tui.core.models import SyncKey
from roster_tui.scim.client import RosterClient

KEY_PASSES = 2  # rounds through the focus chain after a key: its bindings, then what their messages did
KEY_HOLD_POLL = 0.02  # seconds between looks at a screen that holds keys (opening, loading)
KEY_STUCK = 1.0  # seconds after which a key whose handling never reported back stops holding the others


def styles_dir() -> Path:
    """The ``styles`` directory: inside the installed package, else the source checkout's top-level one."""
    installed = Path(roster_tui.__file__).parent / "styles"
    if (installed / "app.tcss").exists():
        return installed
    return Path(__file__).resolve().parents[2] / "styles"


class RosterApp(App[int]):
    """Review the roster and keep profiles right, keyboard only."""

    CSS_PATH: ClassVar[list[str | Path]] = [
        styles_dir() / "app.tcss",
        styles_dir() / "removal.tcss",
        styles_dir() / "wizard.tcss",
    ]
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
        self._heap_frozen = False
        self._typeahead: deque[events.Key] = deque()
        self._key_since: float | None = None  # when the key being handled was handed over
        self._key_chain: list[MessagePump] = []  # where the marker that follows it has still to go
        self._key_poll = False

    async def role_catalog(self) -> list[str]:
        """The admin roles the service offers (asked once)."""
        if self._role_catalog is None:
            self._role_catalog = await self.client.admin_role_catalog()
        return self._role_catalog

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Show a notification as plain text, whatever ``markup`` says: messages quote user data (names, file
        paths, the service's errors), and ``Widget.notify`` always asks for markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        from roster_tui.tui.screens.roster import RosterScreen

        self.push_screen(RosterScreen())

    # -- typeahead ---------------------------------------------------------------------------------
    #
    # Textual hands a key to the widget focused when the key is read, and keys read in one burst are all read
    # before the first is handled: after "tab" or "/" the next letters still went to the field being left, and
    # letters typed while a profile opened were taken as roster commands. Keys are handed over one at a time
    # instead: the next once the previous one has been handled (its binding run, and the messages that posted),
    # and while the screen is opening or says it holds keys (``holds_keys``, e.g. a profile loading) they wait.

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._typeahead.append(event)
            if self._key_since is not None and time.monotonic() - self._key_since > KEY_STUCK:
                self._key_since = None  # its handling was lost (a widget closed under it): do not wait forever
            await self._deliver_key()
            return
        await super().on_event(event)

    def _holding_keys(self) -> bool:
        screen = self.screen
        return not screen.is_mounted or bool(getattr(screen, "holds_keys", False))

    async def _deliver_key(self) -> None:
        """Hand the next waiting key to Textual's usual handling (priority bindings, then the focused widget)."""
        if self._key_since is not None or not self._typeahead:
            return
        if self._holding_keys():
            if "escape" not in (k.key for k in self._typeahead):
                if not self._key_poll:
                    self._key_poll = True
                    self.set_timer(KEY_HOLD_POLL, self._poll_keys)
                return
            while self._typeahead[0].key != "escape":  # escape cancels what was typed ahead, and goes through
                self._typeahead.popleft()
        event = self._typeahead.popleft()
        target: MessagePump = self.focused or self.screen
        # the widget, its containers, the screen, the app: where the key and what it posts travel
        self._key_chain = list(reversed(target.ancestors_with_self)) * KEY_PASSES
        self._key_since = time.monotonic()
        await super().on_event(event)
        self._after_key()

    def _after_key(self) -> None:
        """Pass a marker along the chain, each after what its node has queued; the last one lets the next key go."""
        chain = self._key_chain
        while chain:
            # a Callback message as call_later posts, without its partial (whose signature is looked up each time)
            if chain.pop().post_message(events.Callback(callback=self._after_key)):
                return
            # that node has closed: nothing more will come from it
        self._key_since = None
        self.post_message(events.Callback(callback=self._deliver_key))

    def _poll_keys(self) -> None:
        self._key_poll = False
        self.post_message(events.Callback(callback=self._deliver_key))  # in the app's turn, not the timer's

    def freeze_heap(self, *, more: bool = False) -> None:
        """Keep what is alive now (modules, the service, the roster's pages) out of the garbage collector's scans.

        The roster calls this once its first rows are up, and again when it is back on screen. A full collection
        walks every tracked object, and with the embedded service loaded that took 90-190 ms on a 2-core machine,
        every few seconds of scrolling: the slowest key presses were those. Frozen objects are still freed by
        reference counting; only cycles among them wait until :meth:`release_heap`. ``more``: also freeze what
        was allocated since the last freeze (the import wizard's plan, once built).
        """
        if gc.get_freeze_count() and not more:
            return
        if self._heap_frozen and not gc.get_freeze_count():
            gc.collect()  # released since: collect its garbage once before freezing again
        gc.freeze()
        self._heap_frozen = True

    def release_heap(self) -> None:
        """Hand the frozen objects back to the collector (the wizard ended: its plan is garbage now)."""
        gc.unfreeze()

    def on_unmount(self) -> None:
        if self._heap_frozen:
            self._heap_frozen = False
            self.release_heap()

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
    from roster_tui.connect import open_client

    async def main() -> int:
        async with open_client(settings) as client:
            await create_app(client, source=settings.source).run_async()
        return 0

    return asyncio.run(main())
