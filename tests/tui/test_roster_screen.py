"""Pilot tests of the roster screen against the real service (in-process): browse, search, filter, sort, marks."""

from __future__ import annotations

from roster_tui.core.scim import FIELD_PATHS
from roster_tui.scim.client import RosterClient
from roster_tui.tui.query import RosterQuery, scim_string
from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.widgets.roster_table import PAGE_SIZE, RosterTable

from .conftest import USERS, Embedded, settle, wait_for


def table_of(app: object) -> RosterTable:
    return app.screen.query_one(RosterTable)  # type: ignore[attr-defined]


def text_of(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector).render())  # type: ignore[attr-defined]


async def test_browse_shows_counts_source_and_pages_rows_in(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        counts = [
            (await api.list_users(filter=f, count=0)).total_results
            for f in ("active eq true", "active eq false", "roles pr")
        ]
        header = text_of(app, "#counts")
        assert f"{USERS:,} users" in header
        assert f"{counts[0]:,} active" in header and f"{counts[1]:,} inactive" in header
        assert f"{counts[2]:,} admins" in header
        assert "embedded: roster.db" in text_of(app, "#source")
        table = table_of(app)
        assert table.total == USERS
        first = (await api.list_users(sort_by=FIELD_PATHS["last_name"], count=1)).resources[0]
        assert table.user_at(0).email == first["userName"]
        # only the visible page was loaded, not the roster
        assert table.user_at(PAGE_SIZE) is None
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1
        await pilot.press("G")
        await wait_for(pilot, lambda: table.cursor_user is not None)
        assert table.cursor_row == USERS - 1
        last = (await api.list_users(sort_by=FIELD_PATHS["last_name"], start_index=USERS, count=1)).resources[0]
        assert table.cursor_user.id == last["id"]
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row == table.body_height


async def test_search_is_sent_to_the_server_and_escape_clears_it(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("slash", *"smith")
        await wait_for(pilot, lambda: table.query_in_effect.search == "smith")
        await settle(pilot)
        expected = await api.list_users(filter=RosterQuery(search="smith").scim_filter(), count=0)
        assert 0 < expected.total_results < USERS
        assert table.total == expected.total_results
        assert 'search "smith"' in text_of(app, "#query")
        assert all(
            "smith" in (u.email + u.display_name).lower() for u in (table.user_at(i) for i in range(table.total))
        )
        await pilot.press("enter")  # back to the table
        assert table.has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert table.query_in_effect == RosterQuery()
        assert table.total == USERS
        assert "search" not in text_of(app, "#query")


async def test_search_by_employee_id_and_quotes_are_escaped(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("slash", *"E100042", "enter")
        await settle(pilot)
        assert table.total == 1 and table.user_at(0).employee_id == "E100042"
        await pilot.press("slash", "ctrl+u", *'a"b\\', "enter")
        await settle(pilot)
        assert table.total == 0  # a valid filter that matches nobody, not an error
        assert not app.screen.query_one("#banner").display
    assert scim_string('a"b\\') == '"a\\"b\\\\"'


async def test_filters_status_admins_and_department(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)

        async def count(f: str) -> int:
            return (await api.list_users(filter=f, count=0)).total_results

        await pilot.press("s")
        await settle(pilot)
        assert table.total == await count("active eq true")
        assert "status active" in text_of(app, "#query")
        await pilot.press("s")
        await settle(pilot)
        assert table.total == await count("active eq false")
        assert all(not table.user_at(i).active for i in range(table.total))
        await pilot.press("s", "a")
        await settle(pilot)
        assert table.total == await count("roles pr") and table.user_at(0).roles
        assert "admins only" in text_of(app, "#query")
        await pilot.press("a", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen) and app.screen.counts is not None)
        await pilot.press(*"Legal", "enter")
        await settle(pilot)
        assert table.total == await count(f'{FIELD_PATHS["department"]} eq "Legal"')
        assert {table.user_at(i).department for i in range(table.total)} == {"Legal"}
        assert 'department "Legal"' in text_of(app, "#query")
        await pilot.press("escape")
        await settle(pilot)
        assert table.total == USERS


async def test_sort_by_the_column_under_the_cursor(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("right", "right")  # Emp ID
        assert table.cursor_column.key == "employee_id"
        await pilot.press("o")
        await settle(pilot)
        assert table.user_at(0).employee_id == "E100000"
        assert "sort employee id ↑" in text_of(app, "#query")
        await pilot.press("o")
        await settle(pilot)
        assert table.user_at(0).employee_id == f"E{100000 + USERS - 1}"
        assert "sort employee id ↓" in text_of(app, "#query")
        await pilot.press(*["right"] * 8)  # Training: not sortable
        assert table.cursor_column.key == "training"
        await pilot.press("o")
        assert table.query_in_effect.sort_field == "employee_id"


async def test_marks_and_refresh(embedded: Embedded, api: RosterClient) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("space", "space")
        assert len(table.marked) == 2 and table.cursor_row == 2
        assert "2 marked" in text_of(app, "#query")
        await pilot.press("k", "space")
        assert len(table.marked) == 1
        first = table.user_at(0)
        await api.patch_user(first.id, [{"op": "replace", "path": "title", "value": "Refreshed Title"}])
        await pilot.press("r")
        await settle(pilot)
        assert table.user_at(0).title == "Refreshed Title"


async def test_help_and_command_palette_offer_the_screen_actions(embedded: Embedded) -> None:
    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Search",
            "Clear query",
            "Status",
            "Admins only",
            "Department",
            "Sort by column",
            "New user",
            "Refresh",
            "Open the profile",
            "Mark",
            "Help",
        ):
            assert wanted in titles
        await pilot.press("question_mark")
        assert app.screen.query_one("KeysHelp").display
        await pilot.press("f1")
        await pilot.pause()
        assert not app.screen.query_one("KeysHelp").display
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
        await pilot.press(*"refresh")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)


async def test_lost_connection_shows_a_banner_and_retries() -> None:
    from roster_tui.tui.app import create_app

    from .conftest import free_port_url

    client = RosterClient(free_port_url(), "t", max_retries=0, timeout=1.0)
    app = create_app(client, source="http://127.0.0.1 (down)")
    async with app.run_test(size=(80, 24)) as pilot:
        banner = app.screen.query_one("#banner")
        await wait_for(pilot, lambda: banner.display)
        assert "Connection lost" in str(banner.render()) and "Retrying" in str(banner.render())
        assert isinstance(app.screen, RosterScreen)
    await client.aclose()


async def test_an_empty_roster_says_how_to_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from roster_tui.config import ApiSettings
    from roster_tui.connect import open_client
    from roster_tui.tui.app import create_app

    from .conftest import screen_text, settle

    async with open_client(ApiSettings(None, None, str(tmp_path / "new.db"))) as client:
        app = create_app(client, source="embedded: new.db")
        async with app.run_test(size=(100, 24)) as pilot:
            await settle(pilot)
            assert "The roster is empty: n adds a user, i imports a CSV file." in screen_text(app)
            await pilot.press("s")  # a filter in effect: a different message
            await settle(pilot)
            assert "No users match the query" in screen_text(app)


async def test_the_heap_is_kept_out_of_collections_while_the_console_runs(embedded: Embedded) -> None:
    import gc

    from roster_tui.tui.screens.profile import ProfileScreen
    from roster_tui.tui.screens.roster import HEAP_REFREEZE_DELAY

    app = embedded.app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.pause()
        assert gc.get_freeze_count() > 0
        gc.unfreeze()  # as the import wizard does when it ends
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await settle(pilot)
        await pilot.press("escape", "escape")  # a new user opens editing Email: the first ends the edit
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await pilot.pause(HEAP_REFREEZE_DELAY + 0.2)
        assert gc.get_freeze_count() > 0  # frozen again once the roster is back
    assert gc.get_freeze_count() == 0  # handed back when the console closes


async def test_a_missing_token_says_how_to_give_one_and_stops_loading(embedded: Embedded) -> None:
    from roster_tui.connect import EMBEDDED_URL
    from roster_tui.tui.app import create_app

    from .conftest import screen_text

    client = RosterClient(EMBEDDED_URL, None, transport=embedded.transport, max_retries=0)
    app = create_app(client, source="http://roster.example/scim/v2")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        banner = text_of(app, "#banner")
        assert "refused the token" in banner
        assert "ROSTER_API_TOKEN" in banner and "token_file in config.toml" in banner and "quit (q)" in banner
        text = screen_text(app)
        assert "Loading…" not in text and "Not loaded" in text
    await client.aclose()


async def test_the_roster_shows_the_members_of_a_group_and_the_profile_their_groups(
        embedded: Embedded, api: RosterClient) -> None:
    from roster_tui.tui.screens.dialogs import PickScreen
    from roster_tui.tui.screens.profile import ProfileScreen

    from .conftest import screen_text

    page = await api.list_users(count=3, sort_by=FIELD_PATHS["last_name"])
    members = [r["id"] for r in page.resources[:2]]
    for name, ids in (("Fire Wardens", members), ("First Aiders", members[:1])):
        created = await api.request("POST", "Groups", json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name,
            "members": [{"value": i} for i in ids]})
        assert created.status_code == 201
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        assert "Fire Wardens" in screen_text(app) and "First Aiders" in screen_text(app)
        await pilot.press("down", "enter")  # (every user), then the groups by name: Fire Wardens
        table = table_of(app)
        await wait_for(pilot, lambda: table.query_in_effect.group is not None and table.total == 2)
        assert 'group "Fire Wardens"' in text_of(app, "#query")
        assert {table.user_at(0).id, table.user_at(1).id} == set(members)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await settle(pilot)
        groups = str(app.screen.query_one("#groups").render())
        assert "Fire Wardens" in groups
