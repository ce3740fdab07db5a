"""The console's first requests are the ones the command line sends early (roster_tui.tui.first_requests): the
same sort, filters and page size, and with their answers in hand it sends none of them itself."""

from __future__ import annotations

import httpx
import orjson

from roster_tui.connect import EMBEDDED_URL
from roster_tui.core.access import ACCESS_ENDPOINT
from roster_tui.core.changes import CHANGES_ENDPOINT
from roster_tui.scim.client import RosterClient
from roster_tui.scim.early import EarlyRequests, Key, request_key
from roster_tui.tui.app import create_app
from roster_tui.tui.first_requests import FIRST_SORT, first_requests
from roster_tui.tui.query import RosterQuery
from roster_tui.tui.widgets.roster_table import RosterTable

from .conftest import SOURCE, TOKEN, USERS, Embedded, settle

#: Asked once the first rows are drawn: the journal's changes left open, and who the token acts as.
AFTER_ROWS = (CHANGES_ENDPOINT.lstrip("/"), ACCESS_ENDPOINT.lstrip("/"))


class KeysSent(httpx.AsyncBaseTransport):
    """Passes requests on to ``inner``, keeping each GET as the early requests name it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.gets: list[Key] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            path = request.url.path.removeprefix(httpx.URL(EMBEDDED_URL).path)
            self.gets.append(request_key(path, dict(request.url.params)))
        return await self.inner.handle_async_request(request)


def test_the_first_page_is_the_default_query_s() -> None:
    assert RosterQuery().sort_by == FIRST_SORT and RosterQuery().scim_filter() is None
    assert RosterQuery().sort_order == "ascending"


async def test_the_console_asks_first_what_the_command_line_sends_early(embedded: Embedded) -> None:
    sent = KeysSent(embedded.transport)
    app = embedded.app(sent)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(RosterTable).total == USERS
    first = [key for key in sent.gets if key[0] not in AFTER_ROWS]
    assert sorted(first) == sorted(request_key(path, params) for path, params in first_requests())


async def test_with_the_early_answers_the_console_sends_none_of_them(embedded: Embedded) -> None:
    early = EarlyRequests(EMBEDDED_URL, TOKEN, first_requests())  # not started: the answers are set here
    async with httpx.AsyncClient(transport=embedded.transport, base_url=EMBEDDED_URL + "/",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        for (path, _), params, future in early._requests:
            future.set_result((await http.get(path, params=params)).content)
    first_email = orjson.loads(early._requests[0][2].result())["Resources"][0]["userName"]
    sent = KeysSent(embedded.transport)
    app = create_app(RosterClient(EMBEDDED_URL, TOKEN, transport=sent, max_retries=0, early=early), source=SOURCE)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        assert table.total == USERS and table.user_at(0).email == first_email
        assert f"{USERS:,} users" in str(app.screen.query_one("#counts").render())
        assert [key for key in sent.gets if key[0] not in AFTER_ROWS] == []
