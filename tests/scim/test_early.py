"""Requests sent early (roster_tui.scim.early) against the loopback fault server: the client takes each answer once
in place of its request, and anything but a 200 leaves the request to it, with its usual errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from roster_tui.core.scim import LIST_RESPONSE
from roster_tui.scim import early as early_module
from roster_tui.scim.client import SCIM_JSON, RosterClient
from roster_tui.scim.early import EarlyRequests
from roster_tui.scim.errors import ConnectionFailed, Unauthorized

from .conftest import FAULT_TOKEN, FaultServer, Reply

MakeClient = Callable[..., RosterClient]
PAGE = {"sortBy": "name.familyName", "sortOrder": "ascending", "startIndex": 1, "count": 2}
LISTED = {"schemas": [LIST_RESPONSE], "totalResults": 7, "Resources": [{"id": "u1"}, {"id": "u2"}]}
CONFIG = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"], "sort": {"supported": True}}


def started(fault: FaultServer, requests: list[tuple[str, dict[str, object]]]) -> EarlyRequests:
    early = EarlyRequests.start(fault.base_url, FAULT_TOKEN, requests)
    assert early is not None
    return early


async def test_early_answers_are_taken_once_in_place_of_the_requests(fault: FaultServer,
                                                                     make_client: MakeClient) -> None:
    fault.script(Reply(200, LISTED), Reply(200, CONFIG))
    early = started(fault, [("Users", PAGE), ("ServiceProviderConfig", {})])
    client = make_client(fault.base_url, early=early)
    page = await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)
    assert (page.total_results, [u["id"] for u in page.resources]) == (7, ["u1", "u2"])
    assert await client.service_provider_config() == CONFIG
    early_sent = list(fault.requests)
    assert [(s.path, s.query) for s in early_sent] == [
        ("/scim/v2/Users", {k: str(v) for k, v in PAGE.items()}), ("/scim/v2/ServiceProviderConfig", {})]
    assert all(s.headers["authorization"] == f"Bearer {FAULT_TOKEN}" and s.headers["accept"] == SCIM_JSON
               for s in early_sent)
    fault.script(Reply(200, {**LISTED, "totalResults": 8}))
    again = await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)
    assert again.total_results == 8  # taken once: the same request again goes to the server
    assert len(fault.requests) == 3
    other = await client.list_users(count=0)  # never asked early
    assert other.total_results == 0 and len(fault.requests) == 4


async def test_a_refusal_leaves_the_request_to_the_client(fault: FaultServer, make_client: MakeClient) -> None:
    denied = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401", "detail": "bad token"}
    fault.script(Reply(401, denied), Reply(401, denied))
    early = started(fault, [("Users", PAGE)])
    client = make_client(fault.base_url, early=early)
    with pytest.raises(Unauthorized, match="bad token"):
        await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)
    assert len(fault.requests) == 2  # the early one, then the client's own


async def test_a_body_that_is_not_json_is_asked_again(fault: FaultServer, make_client: MakeClient) -> None:
    fault.script(Reply(200, "<html>proxy page</html>"), Reply(200, LISTED))
    early = started(fault, [("Users", PAGE)])
    client = make_client(fault.base_url, early=early)
    page = await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)
    assert page.total_results == 7 and len(fault.requests) == 2


async def test_a_write_or_time_drops_the_early_answers(fault: FaultServer, make_client: MakeClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fault.script(Reply(200, LISTED), Reply(200, CONFIG))
    early = started(fault, [("Users", PAGE), ("ServiceProviderConfig", {})])
    client = make_client(fault.base_url, early=early)
    await client.service_provider_config()  # the thread is done with the page too
    await client.delete_user("u9")
    await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)
    assert [s.method for s in fault.requests] == ["GET", "GET", "DELETE", "GET"]

    fault.reset()
    fault.script(Reply(200, LISTED))
    early = started(fault, [("Users", PAGE)])
    client = make_client(fault.base_url, early=early)
    monkeypatch.setattr(early_module, "FRESH_FOR", -1.0)
    await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)
    assert len(fault.requests) == 2


async def test_no_connection_leaves_the_requests_to_the_client(make_client: MakeClient) -> None:
    from tests.conftest import free_port  # lazy: as tests/tui/conftest.py

    url = f"http://127.0.0.1:{free_port()}/scim/v2"
    early = EarlyRequests.start(url, FAULT_TOKEN, [("Users", PAGE)])
    assert early is not None
    assert await asyncio.wait_for(early.answer("Users", PAGE), 10) is None
    client = make_client(url, early=EarlyRequests.start(url, FAULT_TOKEN, [("Users", PAGE)]), max_retries=0)
    with pytest.raises(ConnectionFailed):
        await client.list_users(sort_by="name.familyName", sort_order="ascending", count=2)


def test_nothing_is_sent_early_through_a_proxy_or_off_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert EarlyRequests.start("https://roster.invalid/scim/v2", "t", [("Users", PAGE)]) is None
    monkeypatch.delenv("HTTPS_PROXY")
    assert EarlyRequests.start("ftp://roster.invalid/scim/v2", "t", [("Users", PAGE)]) is None


def test_the_token_is_never_shown() -> None:
    early = EarlyRequests("http://roster.invalid/scim/v2", "s3cr3t-token", [("Users", PAGE)])
    assert "s3cr3t" not in repr(early)
