"""Snapshots of the main screens at 80x24 and 160x50 over a deterministic seeded roster."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.profile import ProfileScreen

from .conftest import Embedded, settle, wait_for

SIZES = [(80, 24), (160, 50)]


async def _roster_ready(pilot: Pilot) -> None:
    await settle(pilot)


async def _profile_ready(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("slash", *"E100010", "enter")
    await settle(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProfileScreen))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_roster_screen(snap_compare, embedded: Embedded, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(embedded.app(), terminal_size=size, run_before=_roster_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_profile_screen(snap_compare, embedded: Embedded, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(embedded.app(), terminal_size=size, run_before=_profile_ready)


def test_roster_filtered_and_sorted(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("s", "a", "right", "right", "o", "space")
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=(160, 50), run_before=run_before)


def test_roster_scrolled_right(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """At 80x24, the first row marked and the cursor on Training: the mark and Name columns stay at the left."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("space", "up", *["right"] * 8)
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=(80, 24), run_before=run_before)


def test_frequency_view(snap_compare, embedded: Embedded) -> None:  # type: ignore[no-untyped-def]
    """The departments with their counts, narrowed to those holding "er", at 80x24."""
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FrequencyScreen)
                       and pilot.app.screen.counts is not None)
        await pilot.press(*"er")
        await wait_for(pilot, lambda: len(pilot.app.screen.shown) == 3)
        await settle(pilot)

    assert snap_compare(embedded.app(), terminal_size=(80, 24), run_before=run_before)
