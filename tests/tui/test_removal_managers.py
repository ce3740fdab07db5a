"""The removal preview says how many users each manager to remove manages."""

from __future__ import annotations

from roster_tui.scim.client import RosterClient
from roster_tui.tui.screens.dialogs import ConfirmScreen
from tests.server.helpers import user_body

from .conftest import Embedded, settle, wait_for
from .test_removal import plain, preview, run_to_result, search


async def test_the_preview_says_how_many_users_a_manager_manages(embedded: Embedded, api: RosterClient) -> None:
    from roster_tui.core.scim import ENTERPRISE_USER

    boss = await api.create_user(user_body("zboss@corp.example", given="Bea", family="Zboss"))
    reports = [await api.create_user(user_body(f"zrep{n}@corp.example", given="Rep", family=f"Zrep{n}",
                                               **{ENTERPRISE_USER: {"manager": {"value": boss["id"]}}}))
               for n in range(2)]
    app = embedded.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "zboss", 1)
        await pilot.press("R")
        await preview(pilot)
        assert "manages 2 users (their manager stays as it is)" in plain(app)
        await pilot.press("x")  # no training assignments: it can be deleted
        assert "manages 2 users: deleting clears their manager" in plain(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await run_to_result(pilot)
    for report in reports:
        assert "manager" not in (await api.get_user(report["id"]) or {}).get(ENTERPRISE_USER, {})
