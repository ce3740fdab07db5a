"""Counting values (the frequency view's data): by the roster service when its discovery says it can, else over a
sample of users fetched from the server (an independent SCIM server, or ours with discovery missing)."""

from __future__ import annotations

from pathlib import Path

import httpx

from roster_tui.core.facets import BLANK, FACETS
from roster_tui.core.models import User
from roster_tui.core.scim import user_to_scim
from roster_tui.scim.client import RosterClient
from roster_tui.scim.values import count_values
from roster_tui.server.app import create_app
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import RunningServer
from tests.foreign.launch import ScimServer
from tests.server.helpers import unique

DEPARTMENT = FACETS["department"].path


def user(tag: str, **fields: object) -> dict[str, object]:
    return user_to_scim(User(email=f"v.{unique()}@{tag}.example.com", first_name="Val", last_name="Count",
                             **fields))  # type: ignore[arg-type]


async def test_the_roster_service_counts_every_user(server: RunningServer) -> None:
    tag = f"Dept {unique()}"
    async with RosterClient(server.url, server.token) as client:
        assert (await client.features()).value_counts
        for title in ("Rep", "rep", "Lead", None):
            await client.create_user(user("svc", department=tag, title=title))
        counts = await count_values(client, "title", filter=f'{DEPARTMENT} eq "{tag}"')
    assert counts.sampled is None and counts.total_users == 4 and counts.more == 0
    assert [(v.shown.lower(), v.count) for v in counts.values] == [("rep", 2), (BLANK, 1), ("lead", 1)]
    assert counts.values[1].value is None


class NoDiscovery(httpx.AsyncBaseTransport):
    """Our service with its discovery endpoints gone (404), recording the paths asked for."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path.endswith(("/ServiceProviderConfig", "/Schemas", "/ResourceTypes")):
            return httpx.Response(404, json={"detail": "no such endpoint"})
        return await self.inner.handle_async_request(request)


async def test_without_discovery_the_first_users_are_counted(tmp_path: Path) -> None:
    storage = SqlStorage(str(tmp_path / "roster.db"))
    tokens = TokenRegistry()
    tokens.add("t", "tok")
    transport = NoDiscovery(httpx.ASGITransport(app=create_app(storage, tokens)))
    try:
        async with RosterClient("http://roster.test/scim/v2", "tok", transport=transport) as client:
            for department in ("Ops", "Ops", "ops", "Legal", None):
                await client.create_user(user("nd", department=department))
            counts = await count_values(client, "department")
            few = await count_values(client, "department", sample=2)
            status = await count_values(client, "status")
    finally:
        storage.close()
    assert not any(p.endswith("/.values") for p in transport.paths)  # never asked: discovery did not say so
    assert counts.sampled == 5 and counts.total_users == 5
    assert [(v.shown, v.count) for v in counts.values] == [("Ops", 3), ("(blank)", 1), ("Legal", 1)]
    assert few.sampled == 2 and sum(v.count for v in few.values) == 2
    assert [(v.value, v.shown, v.count) for v in status.values] == [(True, "active", 5)]


async def test_an_independent_server_is_counted_over_a_sample(scim_server: ScimServer, prefix: str) -> None:
    async with RosterClient(scim_server.base_url, scim_server.token) as client:
        assert not (await client.features()).value_counts
        for i, title in enumerate(("Analyst", "Analyst", "Lead")):
            await client.create_user({**user("foreign", title=title), "userName": f"{prefix}{i}"})
        counts = await count_values(client, "title", filter=f'userName sw "{prefix}"')
    assert counts.sampled == 3
    assert [(v.value, v.count) for v in counts.values] == [("Analyst", 2), ("Lead", 1)]
