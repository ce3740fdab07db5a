"""Our client against our own service: over HTTP (a real process) and embedded in-process (no port)."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from roster_tui.config import ApiSettings
from roster_tui.connect import open_client
from roster_tui.core.models import ADMIN_ROLES, User
from roster_tui.core.scim import user_from_scim, user_to_scim
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import Conflict, NotFound, PreconditionFailed, Unauthorized
from tests.conftest import RunningServer
from tests.server.helpers import unique


def new_user(**kw: object) -> User:
    tag = unique()
    return User(email=f"c.{tag}@example.com", first_name="Cleo", last_name=f"Tag{tag}", **kw)  # type: ignore[arg-type]


async def test_round_trip_etags_and_errors_over_http(server: RunningServer) -> None:
    async with RosterClient(server.url, server.token) as client:
        created = await client.create_user(user_to_scim(new_user(title="Analyst", department="Finance",
                                                                 location="Austin, TX", hire_date="2020-05-01")))
        user = user_from_scim(created)
        assert (user.title, user.department, user.location, user.hire_date) == (
            "Analyst", "Finance", "Austin, TX", "2020-05-01")
        patched = await client.patch_user(user.id, [{"op": "replace", "path": "title", "value": "Lead"}],
                                          etag=user.version)
        assert patched is not None and user_from_scim(patched).title == "Lead"
        with pytest.raises(PreconditionFailed):
            await client.patch_user(user.id, [{"op": "replace", "path": "title", "value": "X"}],
                                    etag=user.version)
        with pytest.raises(Conflict) as conflict:
            await client.create_user(user_to_scim(replace(new_user(), email=user.email)))
        assert conflict.value.scim_type == "uniqueness"
        await client.delete_user(user.id)
        with pytest.raises(NotFound):
            await client.get_user(user.id)
        assert (await client.features()).role_catalog == tuple(ADMIN_ROLES)
    async with RosterClient(server.url, "wrong-token") as bad:
        with pytest.raises(Unauthorized) as denied:
            await bad.list_users()
        assert "wrong-token" not in str(denied.value)


async def test_iter_pages_crawls_everything_once(server: RunningServer) -> None:
    department = f"Pages {unique()}"
    async with RosterClient(server.url, server.token) as client:
        for _ in range(23):
            await client.create_user(user_to_scim(new_user(department=department)))
        seen = []
        flt = f'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "{department}"'
        async for page in client.iter_pages(filter=flt, page_size=10, sort_by="name.familyName"):
            seen.extend(r["id"] for r in page.resources)
        assert len(seen) == 23 == len(set(seen))


async def test_embedded_service_opens_no_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    real_bind = socket.socket.bind

    def spy_bind(self: socket.socket, address: object) -> None:
        opened.append(address)
        real_bind(self, address)

    monkeypatch.setattr(socket.socket, "bind", spy_bind)
    db = tmp_path / "embedded.db"
    async with open_client(ApiSettings(url=None, token=None, db=str(db))) as client:
        created = user_from_scim(await client.create_user(user_to_scim(new_user(roles=("Account Admin",)))))
        page = await client.list_users(filter='roles.value eq "account admin"')
        assert [r["id"] for r in page.resources] == [created.id]
    assert opened == []
    assert db.exists()
    async with open_client(ApiSettings(url=None, token=None, db=str(db))) as again:  # data persists
        assert (await again.list_users(count=0)).total_results == 1


async def test_user_history_lists_changes_with_token_names(server: RunningServer) -> None:
    async with RosterClient(server.url, server.token) as client:
        user = user_from_scim(await client.create_user(user_to_scim(new_user(title="Clerk"))))
        await client.patch_user(user.id, [{"op": "replace", "path": "title", "value": "Lead"}])
        history = await client.user_history(user.id)
        assert [h["action"] for h in history] == ["patch", "create"]
        assert history[0]["changes"]["title"] == ["Clerk", "Lead"] and history[0]["token"] == "env"
        assert await client.user_history("no-such-user") == []
