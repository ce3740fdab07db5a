"""What a screen may ask of the console around it: the client, the settings, the heap, and the way home.

Screens reach the app only through :class:`Console` (``ConsoleScreen.console``), never by importing it: the
app imports the roster screen, which imports the screens it opens, so a way back has to go through here.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from roster_tui.core.access import Access
from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.guards import Limits
from roster_tui.core.models import SyncKey
from roster_tui.scim.client import RosterClient


@runtime_checkable
class Console(Protocol):
    """The console as its screens see it (``RosterApp`` implements it)."""

    client: RosterClient
    sync_field: SyncKey
    source: str  # what the header says the data comes from
    limits: Limits  # the guards' limits (config.toml's [guards])
    access: Access | None  # who the token acts as, and its role (None: not told, e.g. a foreign SCIM server)
    anomalies: AnomalyLimits  # when an import's anomalies are called out (config.toml's [anomalies])

    async def role_catalog(self) -> list[str]:
        """The admin roles the service offers (asked once)."""
        ...

    def freeze_heap(self, *, more: bool = False) -> None:
        """Keep what is alive now out of the garbage collector's scans (:func:`roster_tui.heap.freeze`)."""
        ...

    def release_heap(self) -> None:
        """Hand the frozen objects back to the collector (:func:`roster_tui.heap.release`)."""
        ...

    def roster_changed(self) -> None:
        """Users were written: reload the roster table and its counts."""
        ...

    def back_to_roster(self) -> None:
        """Close every screen above the roster."""
        ...
