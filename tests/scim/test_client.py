"""RosterClient against a real, independent SCIM server (scim2-server)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from roster_tui.core.models import ADMIN_ROLES, User
from roster_tui.core.scim import (
    CORE_USER,
    ENTERPRISE_USER,
    ROSTER_USER,
    user_from_scim,
    user_to_scim,
)
from roster_tui.scim.client import ListPage, RosterClient, version_of
from roster_tui.scim.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    Unauthorized,
)

from .conftest import ScimServer, scim_user


async def create_many(client: RosterClient, names: list[str]) -> list[dict[str, Any]]:
    # One at a time: scim2-server's wsgiref listener has a listen backlog of 5.
    return [await client.create_user(scim_user(n)) for n in names]


# -- against scim2-server --------------------------------------------------------------------------


async def test_discovery(scim_client: RosterClient) -> None:
    config = await scim_client.service_provider_config()
    assert config["etag"]["supported"] is True
    assert config["patch"]["supported"] is True
    schema_ids = {s["id"] for s in await scim_client.schemas()}
    assert {CORE_USER, ENTERPRISE_USER, ROSTER_USER} <= schema_ids
    assert "User" in {rt["name"] for rt in await scim_client.resource_types()}


async def test_admin_role_catalog_reads_canonical_values(scim_client: RosterClient) -> None:
    assert (await scim_client.features()).role_catalog == tuple(ADMIN_ROLES)


async def test_create_get_round_trip(scim_client: RosterClient, prefix: str) -> None:
    user = User(
        email=f"{prefix}ada@example.com",
        employee_id=f"{prefix}E1",
        first_name="Ada",
        last_name="Lovelace",
        title="Analyst",
        department="Engineering",
        location="London",
        hire_date="2021-03-04",
        roles=("Training Admin",),
    )
    created = await scim_client.create_user(user_to_scim(user))
    assert created["id"]
    assert version_of(created)
    fetched = await scim_client.get_user(created["id"])
    assert fetched is not None
    decoded = user_from_scim(fetched)
    server_set = {"id": decoded.id, "version": decoded.version, "created": decoded.created,
                  "last_modified": decoded.last_modified}
    assert decoded == replace(user, **server_set)
    assert decoded.id == created["id"]
    assert decoded.version == version_of(created)


async def test_get_user_if_none_match(scim_client: RosterClient, prefix: str) -> None:
    created = await scim_client.create_user(scim_user(f"{prefix}cache@example.com"))
    assert await scim_client.get_user(created["id"], if_none_match=version_of(created)) is None
    again = await scim_client.get_user(created["id"], if_none_match='W/"stale"')
    assert again is not None
    assert again["userName"] == f"{prefix}cache@example.com"


async def test_get_user_attribute_selection(scim_client: RosterClient, prefix: str) -> None:
    created = await scim_client.create_user(
        scim_user(f"{prefix}attrs@example.com", name={"givenName": "A", "familyName": "B"}, title="T")
    )
    only = await scim_client.get_user(created["id"], attributes=["userName"])
    assert only is not None
    assert only["userName"] == f"{prefix}attrs@example.com"
    assert "name" not in only and "title" not in only
    without = await scim_client.get_user(created["id"], excluded_attributes="name,title")
    assert without is not None
    assert "name" not in without and "title" not in without and without["userName"]


async def test_list_users_filter_sort_and_paging(scim_client: RosterClient, prefix: str) -> None:
    names = [f"{prefix}{c}@example.com" for c in "cadeb"]
    await create_many(scim_client, names)
    page = await scim_client.list_users(
        filter=f'userName sw "{prefix}"',
        sort_by="userName",
        sort_order="descending",
        start_index=2,
        count=2,
        attributes=["userName"],
    )
    assert isinstance(page, ListPage)
    assert (page.total_results, page.start_index, page.items_per_page) == (5, 2, 2)
    assert [r["userName"] for r in page.resources] == [f"{prefix}d@example.com", f"{prefix}c@example.com"]
    one = await scim_client.list_users(filter=f'userName eq "{prefix}e@example.com"')
    assert one.total_results == 1
    assert one.resources[0]["userName"] == f"{prefix}e@example.com"
    none = await scim_client.list_users(filter=f'userName eq "{prefix}nobody@example.com"')
    assert (none.total_results, none.resources) == (0, [])


async def test_search_users_via_post(scim_client: RosterClient, prefix: str) -> None:
    await create_many(scim_client, [f"{prefix}{c}@example.com" for c in "xyz"])
    page = await scim_client.search_users(
        filter=f'userName sw "{prefix}"', sort_by="userName", count=2, excluded_attributes=["meta"]
    )
    assert page.total_results == 3
    assert [r["userName"] for r in page.resources] == [f"{prefix}x@example.com", f"{prefix}y@example.com"]
    assert all("meta" not in r for r in page.resources)


@pytest.mark.parametrize("use_search", [False, True])
async def test_iter_pages_across_several_pages(
    scim_client: RosterClient, prefix: str, use_search: bool
) -> None:
    names = [f"{prefix}{i:02d}@example.com" for i in range(25)]
    await create_many(scim_client, names)
    pages = [
        page
        async for page in scim_client.iter_pages(
            filter=f'userName sw "{prefix}"', sort_by="userName", page_size=10, use_search=use_search
        )
    ]
    assert [len(p.resources) for p in pages] == [10, 10, 5]
    assert [p.start_index for p in pages] == [1, 11, 21]
    assert all(p.total_results == 25 for p in pages)
    assert [r["userName"] for p in pages for r in p.resources] == names


async def test_iter_pages_with_no_match_yields_nothing(scim_client: RosterClient, prefix: str) -> None:
    assert [p async for p in scim_client.iter_pages(filter=f'userName sw "{prefix}"')] == []


async def test_replace_with_current_and_stale_etag(scim_client: RosterClient, prefix: str) -> None:
    config = await scim_client.service_provider_config()
    if not config.get("etag", {}).get("supported"):
        pytest.skip("the server does not support ETags")
    created = await scim_client.create_user(scim_user(f"{prefix}put@example.com"))
    v1 = version_of(created)
    replaced = await scim_client.replace_user(
        created["id"], scim_user(f"{prefix}put@example.com", title="Lead"), etag=v1
    )
    assert replaced["title"] == "Lead"
    assert version_of(replaced) and version_of(replaced) != v1
    with pytest.raises(PreconditionFailed) as info:
        await scim_client.replace_user(created["id"], scim_user(f"{prefix}put@example.com"), etag=v1)
    assert info.value.status == 412
    assert info.value.detail
    # Without an ETag the write is unconditional.
    assert (await scim_client.replace_user(created["id"], scim_user(f"{prefix}put@example.com")))["id"]


async def test_patch_user(scim_client: RosterClient, prefix: str) -> None:
    created = await scim_client.create_user(scim_user(f"{prefix}patch@example.com", title="Old"))
    v1 = version_of(created)
    ops = [{"op": "replace", "path": "title", "value": "New"}]
    result = await scim_client.patch_user(created["id"], ops, etag=v1)
    assert result is None or result["title"] == "New"  # 204 No Content or the resource
    fetched = await scim_client.get_user(created["id"])
    assert fetched is not None
    assert fetched["title"] == "New"
    assert version_of(fetched) != v1
    with pytest.raises(PreconditionFailed):
        await scim_client.patch_user(created["id"], ops, etag=v1)


async def test_delete_user(scim_client: RosterClient, prefix: str) -> None:
    created = await scim_client.create_user(scim_user(f"{prefix}del@example.com"))
    with pytest.raises(PreconditionFailed):
        await scim_client.delete_user(created["id"], etag='W/"not-the-version"')
    await scim_client.delete_user(created["id"], etag=version_of(created))
    with pytest.raises(NotFound) as info:
        await scim_client.get_user(created["id"])
    assert info.value.status == 404
    assert created["id"] in info.value.detail
    with pytest.raises(NotFound):
        await scim_client.delete_user(created["id"])


async def test_duplicate_user_name_is_a_conflict(scim_client: RosterClient, prefix: str) -> None:
    await scim_client.create_user(scim_user(f"{prefix}dup@example.com"))
    with pytest.raises(Conflict) as info:
        await scim_client.create_user(scim_user(f"{prefix}dup@example.com"))
    assert (info.value.status, info.value.scim_type) == (409, "uniqueness")
    assert "uniqueness" in str(info.value)


async def test_bad_filter_is_a_bad_request(scim_client: RosterClient) -> None:
    with pytest.raises(BadRequest) as info:
        await scim_client.list_users(filter="userName eq")
    assert info.value.scim_type == "invalidFilter"


@pytest.mark.parametrize("token", ["wrong-token-value", None])
async def test_bad_or_missing_token_is_unauthorized(scim_server: ScimServer, token: str | None) -> None:
    async with RosterClient(scim_server.base_url, token) as client:
        with pytest.raises(Unauthorized) as info:
            await client.list_users()
    assert info.value.status == 401
    text = f"{info.value} {info.value!r} {client!r}"
    assert scim_server.token not in text
    assert token is None or token not in text


async def test_bulk(scim_client: RosterClient, prefix: str) -> None:
    await scim_client.create_user(scim_user(f"{prefix}taken@example.com"))
    response = await scim_client.bulk(
        [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "b1",
                "data": scim_user(f"{prefix}b1@example.com"),
            },
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "b2",
                "data": scim_user(f"{prefix}taken@example.com"),
            },
        ],
        fail_on_errors=10,
    )
    statuses = {op["bulkId"]: str(op["status"]) for op in response["Operations"]}
    assert statuses == {"b1": "201", "b2": "409"}
    page = await scim_client.list_users(filter=f'userName eq "{prefix}b1@example.com"')
    assert page.total_results == 1


def test_repr_hides_token() -> None:
    client = RosterClient("http://127.0.0.1:9/scim/v2", "super-secret-token")
    assert "super-secret-token" not in repr(client)
    assert "***" in repr(client)
    assert "token=None" in repr(RosterClient("http://127.0.0.1:9/scim/v2", None))
