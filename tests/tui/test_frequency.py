"""Pilot tests of the frequency view: `d` (department) and `F` (the column under the cursor) open the values with
their counts; typing narrows them, enter filters the roster, esc closes; values are shown as typed, never as
markup; a failing service and a server that does not count values are said so."""

from __future__ import annotations

import asyncio

import httpx

from roster_tui.core.facets import BLANK, FACETS
from roster_tui.core.models import User
from roster_tui.core.scim import user_to_scim
from roster_tui.scim.client import RosterClient
from roster_tui.tui.query import RosterQuery, ValueFilter
from roster_tui.tui.screens.dialogs import PickScreen
from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import USERS, Embedded, screen_text, settle, wait_for


def roster_of(app: object) -> RosterScreen:
    return next(s for s in app.screen_stack if isinstance(s, RosterScreen))  # type: ignore[attr-defined]


def table_of(app: object) -> RosterTable:
    return roster_of(app).query_one(RosterTable)


def query_bar(app: object) -> str:
    return str(roster_of(app).query_one("#query").render())


async def open_view(pilot: object, *keys: str) -> FrequencyScreen:
    """Press ``keys`` on the roster and wait for the frequency view to show its counts."""
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.press(*keys)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen) and app.screen.counts is not None)  # type: ignore[arg-type]
    return app.screen


def listed(view: FrequencyScreen) -> list[str]:
    return [v.shown for v in view.shown]


async def count(api: RosterClient, flt: str | None) -> int:
    return (await api.list_users(filter=flt, count=0)).total_results


async def test_d_lists_departments_typing_narrows_and_enter_filters(embedded: Embedded, api: RosterClient) -> None:
    expected = await api.value_counts("department")
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = await open_view(pilot, "d")
        assert [(v.value, v.count) for v in view.shown] == [(e["value"], e["count"]) for e in expected["values"]]
        assert sum(v.count for v in view.shown) == USERS
        text = screen_text(app)
        assert "Values of department" in text and f"{USERS:,} users" in text
        top = view.shown[0]
        assert f"{top.shown}" in text and f"{top.count:,}" in text
        await pilot.press(*"human res")
        await wait_for(pilot, lambda: listed(view) == ["Human Resources"])
        assert "10 values · 1 match" in screen_text(app)
        await pilot.press("enter")
        table = table_of(app)
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await settle(pilot)
        assert table.query_in_effect.department == "Human Resources"
        hr = await count(api, f'{FACETS["department"].path} eq "Human Resources"')
        assert table.total == hr == next(e["count"] for e in expected["values"] if e["value"] == "Human Resources")
        assert 'department "Human Resources"' in query_bar(app)
        await pilot.press("escape")  # the roster's esc clears the filter, as for every filter
        await settle(pilot)
        assert table.query_in_effect == RosterQuery() and table.total == USERS


async def test_F_counts_the_column_under_the_cursor_within_the_query(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("s")  # active users only: the counts are of them
        await settle(pilot)
        await pilot.press("right", "right", "right", "right")
        assert table.cursor_column.key == "title"
        view = await open_view(pilot, "F")
        assert "Values of title" in screen_text(app) and "users of the query" in screen_text(app)
        assert sum(v.count for v in view.shown) == await count(api, "active eq true")
        await pilot.press("down", "down")
        chosen = view.shown[2]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await settle(pilot)
        assert table.query_in_effect.values == (ValueFilter("title", str(chosen.value), chosen.shown),)
        assert table.query_in_effect.status == "active"
        assert table.total == chosen.count == await count(api, f'active eq true and title eq "{chosen.value}"')
        assert f'title "{chosen.shown}"' in query_bar(app)
        # a column without counts (Name): a choice of the attributes that have them
        await pilot.press("left", "left", "left", "left", "F")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("down", "enter")  # Division
        await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen) and app.screen.counts is not None)
        assert app.screen.facet.name == "division"
        # the title filter stays: the divisions are counted among the active users of that title
        assert sum(v.count for v in app.screen.shown) == chosen.count
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        assert table.query_in_effect.values[0].name == "title"  # esc closed the view, the query is as it was


async def test_values_are_shown_as_typed_and_the_blank_row_filters(embedded: Embedded, api: RosterClient) -> None:
    for department in ("[bold]x", "[red]Ops[/red]", None):
        await api.create_user(user_to_scim(User(email=f"m.{department is None}{len(str(department))}@example.com",
                                                first_name="Mark", last_name="Up", department=department)))
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = await open_view(pilot, "d")
        await pilot.press(*"[")
        await wait_for(pilot, lambda: sorted(listed(view)) == ["[bold]x", "[red]Ops[/red]"])
        text = screen_text(app)
        assert "[bold]x" in text and "[red]Ops[/red]" in text
        await pilot.press("backspace", *"blank")
        await wait_for(pilot, lambda: listed(view) == [BLANK])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await settle(pilot)
        table = table_of(app)
        assert table.query_in_effect.values == (ValueFilter("department", None, BLANK),)
        assert table.total == 1 and table.user_at(0).last_name == "Up"
        assert "department (blank)" in query_bar(app)


class Held(httpx.AsyncBaseTransport):
    """The service, with ``GET /Users/.values`` held until ``release`` and then answered ``status`` (0: as is)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, status: int = 0) -> None:
        self.inner, self.status = inner, status
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.values"):
            await self.release.wait()
            if self.status:
                return httpx.Response(self.status, json={"detail": "the database is on fire", "status": "500"})
        return await self.inner.handle_async_request(request)


async def test_busy_while_counting_and_a_failing_service_is_shown(embedded: Embedded) -> None:
    held = Held(embedded.transport, status=500)
    app = embedded.app(held)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen))
        view = app.screen
        await wait_for(pilot, lambda: "loading" in str(view.query_one("#frequency-busy").render()))
        await pilot.press(*"sal")  # typing while it counts is kept
        held.release.set()
        await wait_for(pilot, lambda: view.query_one("#frequency-banner").display)
        text = screen_text(app)
        assert "Could not count the values of department" in text and "on fire" in text
        assert "loading" not in str(view.query_one("#frequency-busy").render())
        await pilot.press("enter")  # nothing to choose: the view stays
        await pilot.pause()
        assert app.screen is view and view.counts is None
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        assert table_of(app).query_in_effect == RosterQuery() and app.is_running


class NoDiscovery(httpx.AsyncBaseTransport):
    """The service with its discovery gone: the console cannot know that it counts values."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path.endswith(("/ServiceProviderConfig", "/Schemas", "/ResourceTypes")):
            return httpx.Response(404, json={"detail": "no such endpoint", "status": "404"})
        return await self.inner.handle_async_request(request)


async def test_a_server_that_does_not_count_values_is_sampled_and_says_so(embedded: Embedded,
                                                                          api: RosterClient) -> None:
    transport = NoDiscovery(embedded.transport)
    app = embedded.app(transport)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = await open_view(pilot, "d")
        assert f"counted over the first {USERS:,} users (this server does not count values)" in screen_text(app)
        expected = await api.value_counts("department")
        assert [(v.value, v.count) for v in view.shown] == [(e["value"], e["count"]) for e in expected["values"]]
        assert not any(p.endswith("/.values") for p in transport.paths)
