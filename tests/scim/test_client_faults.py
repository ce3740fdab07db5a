"""RosterClient against a real loopback fault server: retries, Retry-After, timeouts, refused connections."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from roster_tui.core.scim import (
    CORE_USER,
    LIST_RESPONSE,
)
from roster_tui.scim.client import ListPage, RosterClient, etag_from_response, version_of
from roster_tui.scim.errors import (
    BadRequest,
    Conflict,
    ConnectionFailed,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    RosterApiError,
    ServerError,
    Unauthorized,
)

from .conftest import FAULT_TOKEN, FaultServer, Reply, Seen, SleepRecorder, scim_user

MakeClient = Callable[..., RosterClient]


def scim_error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "detail": detail,
    }
    if scim_type:
        body["scimType"] = scim_type
    return body


# -- against the loopback fault server -------------------------------------------------------------


async def test_sends_scim_headers_and_json(fault: FaultServer, make_client: MakeClient) -> None:
    fault.script(Reply(201, {"id": "u1", "userName": "a@example.com"}, headers={"ETag": 'W/"7"'}))
    client = make_client(fault.base_url)
    created = await client.create_user(scim_user("a@example.com", active=True))
    assert version_of(created) == 'W/"7"'  # copied from the ETag header
    [seen] = fault.requests
    assert (seen.method, seen.path) == ("POST", "/scim/v2/Users")
    assert seen.headers["authorization"] == f"Bearer {FAULT_TOKEN}"
    assert seen.headers["accept"] == "application/scim+json"
    assert seen.headers["content-type"] == "application/scim+json"
    assert seen.json() == scim_user("a@example.com", active=True)


async def test_conditional_headers_and_quoted_ids(fault: FaultServer, make_client: MakeClient) -> None:
    client = make_client(fault.base_url)
    fault.script(Reply(304), Reply(204, headers={"ETag": 'W/"9"'}), Reply(204))
    assert await client.get_user("a/b c", if_none_match='W/"1"') is None
    assert await client.patch_user("id1", [{"op": "remove", "path": "title"}], etag='W/"8"') is None
    await client.delete_user("id1", etag='W/"9"')
    get, patch, delete = fault.requests
    assert get.raw_path == "/scim/v2/Users/a%2Fb%20c"
    assert get.headers["if-none-match"] == 'W/"1"'
    assert patch.headers["if-match"] == 'W/"8"'
    assert patch.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
    assert delete.headers["if-match"] == 'W/"9"'


async def test_etag_helpers() -> None:
    with_header = httpx.Response(200, headers={"ETag": 'W/"3"'}, json={"meta": {"version": 'W/"2"'}})
    assert etag_from_response(with_header) == 'W/"3"'
    assert etag_from_response(httpx.Response(200, json={"meta": {"version": 'W/"2"'}})) == 'W/"2"'
    assert etag_from_response(httpx.Response(204)) is None
    assert version_of({"id": "x"}) is None
    assert version_of(None) is None


async def test_asgi_transport_in_process(fault: FaultServer) -> None:
    fault.script(Reply(200, {"schemas": [LIST_RESPONSE], "totalResults": 0, "Resources": []}))
    transport = httpx.ASGITransport(app=fault.app)
    async with RosterClient("http://roster.test/scim/v2", "t", transport=transport) as client:
        page = await client.list_users(filter='userName eq "x"')
    assert page == ListPage(total_results=0, start_index=1, items_per_page=0, resources=[])
    assert fault.requests[0].query == {"filter": 'userName eq "x"', "startIndex": "1"}


async def test_503_with_retry_after_then_success(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    busy = Reply(503, scim_error(503, "busy"), headers={"Retry-After": "2"})
    fault.script(busy, busy, Reply(200, {"id": "u1"}))
    client = make_client(fault.base_url)
    with caplog.at_level(logging.WARNING, logger="roster_tui.scim"):
        assert (await client.get_user("u1")) == {"id": "u1"}
    assert len(fault.requests) == 3
    assert sleeps.calls == [2.0, 2.0]
    assert "retry 2/4" in caplog.text
    assert FAULT_TOKEN not in caplog.text


async def test_429_retry_after_http_date_and_cap(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder
) -> None:
    when = (datetime.now(UTC) + timedelta(seconds=30)).replace(microsecond=0)  # an HTTP date has whole seconds
    fault.script(
        Reply(429, scim_error(429, "slow down"), headers={"Retry-After": format_datetime(when, usegmt=True)}),
        Reply(429, scim_error(429, "slow down"), headers={"Retry-After": "3600"}),
        Reply(201, {"id": "new"}),
    )
    client = make_client(fault.base_url)
    before = datetime.now(UTC)
    assert (await client.create_user(scim_user("rl@example.com")))["id"] == "new"  # 429: not processed
    after = datetime.now(UTC)
    assert len(fault.requests) == 3
    # the wait is the date less the moment the answer was read, which lies between the two clock readings
    assert (when - after).total_seconds() <= sleeps.calls[0] <= (when - before).total_seconds()
    assert sleeps.calls[1] == 60.0


@pytest.mark.parametrize(("jitter", "expected"), [(0.0, [0.25, 0.5, 1.0]), (0.999999, [0.5, 1.0, 2.0])])
async def test_backoff_without_retry_after(
    fault: FaultServer,
    make_client: MakeClient,
    sleeps: SleepRecorder,
    jitter: float,
    expected: list[float],
) -> None:
    fault.script(*[Reply(503)] * 3, Reply(200, {"id": "u"}))
    client = make_client(fault.base_url, backoff=0.5, jitter=lambda: jitter)
    await client.get_user("u")
    assert sleeps.calls == pytest.approx(expected, abs=1e-5)


async def test_default_jitter_stays_within_bounds(fault: FaultServer, sleeps: SleepRecorder) -> None:
    fault.script(*[Reply(503)] * 4, Reply(200, {"id": "u"}))
    client = RosterClient(fault.base_url, None, backoff=1.0, max_backoff=4.0, sleep=sleeps)
    try:
        await client.get_user("u")
    finally:
        await client.aclose()
    for delay, ceiling in zip(sleeps.calls, [1.0, 2.0, 4.0, 4.0], strict=True):
        assert ceiling / 2 <= delay <= ceiling


async def test_gives_up_after_max_retries(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder
) -> None:
    fault.script(then=Reply(503, scim_error(503, "maintenance"), headers={"Retry-After": "1"}))
    client = make_client(fault.base_url, max_retries=3)
    with pytest.raises(ServerError) as info:
        await client.list_users()
    assert info.value.status == 503
    assert info.value.detail == "maintenance"
    assert len(fault.requests) == 4
    assert sleeps.calls == [1.0, 1.0, 1.0]


async def test_rate_limited_after_max_retries(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder
) -> None:
    fault.script(then=Reply(429, scim_error(429, "quota"), headers={"Retry-After": "7"}))
    client = make_client(fault.base_url, max_retries=1)
    with pytest.raises(RateLimited) as info:
        await client.get_user("x")
    assert info.value.retry_after == 7.0
    assert len(fault.requests) == 2
    assert sleeps.calls == [7.0]


@pytest.mark.parametrize(
    ("status", "scim_type", "error"),
    [
        (400, "invalidValue", BadRequest),
        (401, None, Unauthorized),
        (403, None, Forbidden),
        (404, None, NotFound),
        (409, "uniqueness", Conflict),
        (412, None, PreconditionFailed),
        (413, "tooMany", PayloadTooLarge),
        (500, None, ServerError),
        (501, None, ServerError),
        (405, None, RosterApiError),
    ],
)
async def test_other_errors_are_not_retried(
    fault: FaultServer,
    make_client: MakeClient,
    sleeps: SleepRecorder,
    status: int,
    scim_type: str | None,
    error: type[RosterApiError],
) -> None:
    fault.script(then=Reply(status, scim_error(status, f"because {status}", scim_type)))
    client = make_client(fault.base_url)
    with pytest.raises(error) as info:
        await client.replace_user("u1", scim_user("a@example.com"), etag='W/"1"')
    assert type(info.value) is error
    assert (info.value.status, info.value.scim_type, info.value.detail) == (
        status,
        scim_type,
        f"because {status}",
    )
    assert len(fault.requests) == 1
    assert sleeps.calls == []
    assert FAULT_TOKEN not in f"{info.value} {info.value!r}"


async def test_non_scim_error_body_is_shortened(fault: FaultServer, make_client: MakeClient) -> None:
    page = "<html><body>" + "Bad gateway. " * 100 + "</body></html>"
    fault.script(then=Reply(502, page))
    client = make_client(fault.base_url)
    with pytest.raises(ServerError) as info:
        await client.get_user("u1")
    assert info.value.status == 502
    assert info.value.detail.startswith("<html><body>Bad gateway.")
    assert len(info.value.detail) <= 200
    assert len(fault.requests) == 1


async def test_read_timeout_on_get_is_retried(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder
) -> None:
    fault.script(Reply(200, {"id": "late"}, stall=True), Reply(200, {"id": "u1"}))
    client = make_client(fault.base_url, timeout=httpx.Timeout(5.0, read=2.0))  # the second answer comes at once
    assert await client.get_user("u1") == {"id": "u1"}
    assert len(fault.requests) == 2
    assert len(sleeps.calls) == 1


async def test_read_timeout_on_get_fails_after_retries(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder
) -> None:
    fault.script(then=Reply(200, {"id": "late"}, stall=True))
    client = make_client(fault.base_url, timeout=httpx.Timeout(5.0, read=0.2), max_retries=2)
    with pytest.raises(ConnectionFailed) as info:
        await client.get_user("u1")
    assert len(fault.requests) == 3
    assert len(sleeps.calls) == 2
    message = str(info.value)
    assert f"{fault.base_url}/Users/u1" in message
    assert "did not answer in time" in message and "after 3 attempts" in message
    assert info.value.may_have_reached_server is False  # a GET is safe to repeat


async def test_read_timeout_on_create_is_not_retried(
    fault: FaultServer, make_client: MakeClient, sleeps: SleepRecorder
) -> None:
    fault.script(then=Reply(201, {"id": "late"}, stall=True))
    client = make_client(fault.base_url, timeout=httpx.Timeout(5.0, read=0.2))
    with pytest.raises(ConnectionFailed) as info:
        await client.create_user(scim_user("once@example.com"))
    assert len(fault.requests) == 1
    assert sleeps.calls == []
    assert info.value.may_have_reached_server is True
    assert "may have reached the service" in str(info.value)


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL whose port is bound but not listening: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}/scim/v2"


@pytest.mark.parametrize("call", ["get", "create"])
async def test_connection_refused(
    refused_url: str, make_client: MakeClient, sleeps: SleepRecorder, call: str
) -> None:
    client = make_client(refused_url, max_retries=3)
    with pytest.raises(ConnectionFailed) as info:
        if call == "get":
            await client.get_user("u1")
        else:  # refused before anything was sent: safe to retry even a create
            await client.create_user(scim_user("x@example.com"))
    assert sleeps.calls == [0.25, 0.5, 1.0]
    message = str(info.value)
    assert refused_url in message and "refused" in message and "after 4 attempts" in message
    assert "Check that the roster service is running" in message
    assert info.value.status is None
    assert FAULT_TOKEN not in f"{message} {info.value!r}"


async def test_unresolvable_host_message(make_client: MakeClient, sleeps: SleepRecorder) -> None:
    # DNS failures cannot be staged reliably on loopback: raise what httpx raises for one.
    def fail(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc

    client = make_client("http://roster.invalid/scim/v2", transport=httpx.MockTransport(fail), max_retries=1)
    with pytest.raises(ConnectionFailed) as info:
        await client.list_users()
    assert "roster.invalid" in str(info.value)
    assert "host name could not be resolved" in str(info.value)
    assert len(sleeps.calls) == 1


def capped_pages(total: int, cap: int) -> Callable[[Seen], Reply]:
    """A server that ignores ``count`` and returns at most ``cap`` users per page."""

    def reply(seen: Seen) -> Reply:
        start = int(seen.query.get("startIndex", "1"))
        items = [{"id": f"u{i}"} for i in range(start, min(start + cap, total + 1))]
        return Reply(200, {"totalResults": total, "startIndex": start, "Resources": items})

    return reply


async def test_iter_pages_follows_short_pages(fault: FaultServer, make_client: MakeClient) -> None:
    fault.script(then=capped_pages(total=8, cap=3))
    client = make_client(fault.base_url)
    pages = [p async for p in client.iter_pages(page_size=10)]
    assert [r["id"] for p in pages for r in p.resources] == [f"u{i}" for i in range(1, 9)]
    assert [s.query["startIndex"] for s in fault.requests] == ["1", "4", "7"]
    assert all(s.query["count"] == "10" for s in fault.requests)
    assert pages[0].items_per_page == 3  # itemsPerPage left out: the number of resources


async def test_iter_pages_stops_on_empty_page(fault: FaultServer, make_client: MakeClient) -> None:
    fault.script(
        Reply(
            200,
            {
                "totalResults": 100,
                "startIndex": 1,
                "itemsPerPage": 2,
                "Resources": [{"id": "a"}, {"id": "b"}],
            },
        ),
        then=Reply(200, {"totalResults": 100, "startIndex": 3, "itemsPerPage": 0}),
    )
    client = make_client(fault.base_url)
    pages = [p async for p in client.iter_pages(page_size=2)]
    assert len(pages) == 1
    assert len(fault.requests) == 2


async def test_features_without_discovery_endpoints_assume_everything(
    fault: FaultServer, make_client: MakeClient
) -> None:
    fault.script(then=Reply(404, scim_error(404, "no such endpoint")))
    features = await make_client(fault.base_url).features()
    assert features.role_catalog == () and not features.known
    assert features.has_field("hire_date") and features.sort
    assert sorted(r.path.rsplit("/", 1)[-1] for r in fault.requests) == [
        "ResourceTypes", "Schemas", "ServiceProviderConfig"]


@pytest.mark.parametrize("as_list_response", [True, False])
async def test_features_read_each_discovery_answer(
    fault: FaultServer, make_client: MakeClient, as_list_response: bool
) -> None:
    core = {"id": CORE_USER, "attributes": [{"name": "roles", "subAttributes": [
        {"name": "value", "canonicalValues": ["Account Admin"]}]}, {"name": "title"}]}
    schemas: Any = (
        {"schemas": [LIST_RESPONSE], "totalResults": 1, "Resources": [core]} if as_list_response else [core]
    )
    answers = {"Schemas": Reply(200, schemas), "ResourceTypes": Reply(200, []),
               "ServiceProviderConfig": Reply(200, {"sort": {"supported": False}, "bulk": {"supported": True,
                                                    "maxOperations": 10, "maxPayloadSize": 1000}})}
    fault.script(then=lambda seen: answers[seen.path.rsplit("/", 1)[-1]])
    client = make_client(fault.base_url)
    features = await client.features()
    assert features.role_catalog == ("Account Admin",) and features.known
    assert not features.sort and features.bulk and features.bulk_max_operations == 10
    assert features.has_field("title") and not features.has_field("hire_date")
    assert not features.has_field("department")  # no enterprise extension published
    assert await client.features() is features and len(fault.requests) == 3  # asked once
