"""Typeahead: keys typed faster than the console handles them go where the admin meant them to go.

Why it exists: Textual (8.2, ``App.on_event``) hands a key to the widget focused when the key is *read*, and keys
read in one burst are all read before the first is handled. After "tab" or "/" the next letters still went to
the field being left, and letters typed while a profile opened were taken as roster commands. :class:`Typeahead`
replaces that delivery: keys are handed over one at a time, the next once the previous one has been handled
(its binding run, and the messages that posted), and while the screen is opening or says it holds keys
(``holds_keys``, e.g. a profile loading) they wait; escape cancels what was typed ahead, and goes through.
A key waits for the one before it however long that takes: a loop stalled for a while (the first rows' frame on a
busy machine) is no reason to hand the next keys to the widget that was focused before it (they once were, after a
second of wall-clock time, and letters typed after "/" went to the table). Only a marker whose node stopped before
handling it lets the next key go (that node handles nothing more; looked at when a key arrives).

It leans on Textual internals (``App.on_event`` forwarding keys, ``events.Callback``, ``post_message`` saying
whether the node is still open, a closing node handling what was queued before, ``_closing`` / ``_closed``):
pyproject.toml pins Textual to the minor version it was written for; check tests/tui/test_key_bursts.py before
moving the pin.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App

    _App = App[Any]
else:
    _App = object

KEY_PASSES = 2  # rounds through the focus chain after a key: its bindings, then what their messages did
KEY_HOLD_POLL = 0.02  # seconds between looks at a screen that holds keys (opening, loading)


class Typeahead(_App):
    """A mixin for the app (before ``App`` in its bases): keys are delivered one at a time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typeahead: deque[events.Key] = deque()
        self._key_holder: MessagePump | None = None  # where the marker of the key being handled is (None: no key)
        self._key_chain: list[MessagePump] = []  # where the marker that follows it has still to go
        self._key_poll = False

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._typeahead.append(event)
            if self._marker_lost():
                self._key_holder = None  # the node holding it stopped before handling it: do not wait forever
            await self._deliver_key()
            return
        await super().on_event(event)

    def _marker_lost(self) -> bool:
        """Whether the marker of the key being handled can no longer come back: the node it waits in stopped (a
        node handles what was queued before it closes, so a closed queue that did not pass it on has dropped it)."""
        holder = self._key_holder
        return holder is not None and (holder._closed or (holder._closing and not holder.is_running))

    def _holding_keys(self) -> bool:
        screen = self.screen
        return not screen.is_mounted or bool(getattr(screen, "holds_keys", False))

    async def _deliver_key(self) -> None:
        """Hand the next waiting key to Textual's usual handling (priority bindings, then the focused widget)."""
        if self._key_holder is not None or not self._typeahead:
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
        self._key_holder = self
        await super().on_event(event)
        self._after_key()

    def _after_key(self) -> None:
        """Pass a marker along the chain, each after what its node has queued; the last one lets the next key go."""
        chain = self._key_chain
        while chain:
            node = chain.pop()
            # a Callback message as call_later posts, without its partial (whose signature is looked up each time)
            if node.post_message(events.Callback(callback=self._after_key)):
                self._key_holder = node
                return
            # that node has closed: nothing more will come from it
        self._key_holder = None
        self.post_message(events.Callback(callback=self._deliver_key))

    def _poll_keys(self) -> None:
        self._key_poll = False
        self.post_message(events.Callback(callback=self._deliver_key))  # in the app's turn, not the timer's
