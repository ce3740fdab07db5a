"""An async client for the roster API: plain SCIM 2.0 (RFC 7644), so it works with any conforming server.

Methods return raw SCIM dicts; decode users with :func:`roster_tui.core.scim.user_from_scim`.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import httpx
import orjson

from roster_tui.core.access import ACCESS_ENDPOINT, Access
from roster_tui.core.changes import CHANGE_HEADER
from roster_tui.core.scim import BULK_REQUEST, PATCH_OP, SEARCH_REQUEST
from roster_tui.scim.discovery import Features, features_from
from roster_tui.scim.early import SCIM_JSON, EarlyRequests
from roster_tui.scim.errors import ConnectionFailed, NotFound, RosterApiError, safe_url
from roster_tui.scim.messages import (
    Attributes,
    ListPage,
    as_list,
    csv_param,
    etag_from_response,
    list_page,
    resources_of,
    user_path,
    version_of,
)
from roster_tui.scim.retry import IDEMPOTENT_METHODS, RetryPolicy, Sleep, send_with_retries

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

__all__ = ["DEFAULT_TIMEOUT", "SCIM_JSON", "ListPage", "RosterClient", "etag_from_response", "version_of"]


class RosterClient:
    """SCIM 2.0 client for the roster API, over one ``httpx.AsyncClient``.

    Retries connection failures, timeouts, 429 and 503 with exponential backoff and jitter,
    honouring ``Retry-After``. Non-idempotent requests (POST create, PATCH, bulk) are only
    retried when they cannot have reached the server (connection refused, connect timeout) or
    when the server refused them with 429/503.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        retry_after_cap: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        early: EarlyRequests | None = None,
    ) -> None:
        """``early``: requests already sent for this client (:mod:`roster_tui.scim.early`), whose answers it takes
        in place of sending them, and whose TLS context it uses when ready."""
        headers = {"Accept": SCIM_JSON}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self._has_token = bool(token)
        self.policy = RetryPolicy(
            max_retries=max_retries, backoff=backoff, max_backoff=max_backoff, retry_after_cap=retry_after_cap
        )
        self._sleep = sleep
        self._jitter = jitter
        self._features: Features | None = None
        self._extra: dict[str, str] = {}  # headers of every request (:meth:`for_change`)
        self._early = early
        tls = early.tls_context() if early is not None and transport is None else None
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/", headers=headers, transport=transport, timeout=timeout,
            **({"verify": tls} if tls is not None else {}),
        )

    def __repr__(self) -> str:
        token = "'***'" if self._has_token else "None"
        return f"RosterClient(base_url={self.base_url!r}, token={token})"

    def for_change(self, change: int) -> RosterClient:
        """This client (same connections) with each request naming ``change`` of the journal, whose record the
        service keeps with each write (``X-Roster-Change``; :mod:`roster_tui.scim.changes`)."""
        if self._early is not None:  # writes follow: what was asked early may soon be out of date
            self._early.drop()
            self._early = None
        other = copy.copy(self)
        other._extra = {**self._extra, CHANGE_HEADER: str(change)}
        return other

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    # -- transport -----------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request relative to the base URL, retrying as the policy allows.

        Returns the response for 2xx and 304; raises the :mod:`roster_tui.scim.errors` error
        for anything else. ``idempotent`` defaults to what the method implies.
        """
        method = method.upper()
        if method != "GET" and self._early is not None:  # a write: what was asked early may be out of date
            self._early.drop()
            self._early = None
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        hdrs = {**self._extra, **(headers or {})}
        content = None
        if json is not None:
            content = orjson.dumps(json)
            hdrs["Content-Type"] = SCIM_JSON
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        path = path.lstrip("/")
        return await send_with_retries(
            self._http,
            lambda: self._http.build_request(method, path, params=params, content=content, headers=hdrs),
            idempotent=idempotent,
            policy=self.policy,
            sleep=self._sleep,
            jitter=self._jitter,
        )

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        if response.status_code in (204, 304) or not response.content:
            return None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise RosterApiError(
                f"The server sent a body that is not JSON (status {response.status_code})",
                status=response.status_code,
                method=response.request.method,
                url=safe_url(response.request.url),
            ) from exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._early is not None and method == "GET" and not kwargs.get("headers"):
            body = await self._early.answer(path, kwargs.get("params"))
            if body is not None:
                try:
                    return orjson.loads(body)
                except orjson.JSONDecodeError:
                    pass  # asked again, and the answer's error is the usual one
        return self._decode(await self.request(method, path, **kwargs))

    async def _resource(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        """A single-resource call; the ETag header is copied into ``meta.version`` when the body lacks it."""
        response = await self.request(method, path, **kwargs)
        body = self._decode(response)
        etag = response.headers.get("ETag")
        if isinstance(body, dict) and etag and not version_of(body):
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            body["meta"] = {**meta, "version": etag}
        return body

    @staticmethod
    def _precondition(etag: str | None, header: str = "If-Match") -> dict[str, str]:
        return {header: etag} if etag else {}

    # -- users ---------------------------------------------------------------------------------

    async def get_user(
        self,
        user_id: str,
        *,
        if_none_match: str | None = None,
        attributes: Attributes = None,
        excluded_attributes: Attributes = None,
    ) -> dict[str, Any] | None:
        """GET one user; None when ``if_none_match`` still matches (304 Not Modified)."""
        params = {"attributes": csv_param(attributes), "excludedAttributes": csv_param(excluded_attributes)}
        headers = self._precondition(if_none_match, "If-None-Match")
        return await self._resource("GET", user_path(user_id), params=params, headers=headers)

    async def list_users(
        self,
        *,
        filter: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        start_index: int = 1,
        count: int | None = None,
        attributes: Attributes = None,
        excluded_attributes: Attributes = None,
    ) -> ListPage:
        """One page of users via ``GET /Users`` (``sort_order``: ``ascending`` or ``descending``)."""
        params = {
            "filter": filter,
            "sortBy": sort_by,
            "sortOrder": sort_order,
            "startIndex": start_index,
            "count": count,
            "attributes": csv_param(attributes),
            "excludedAttributes": csv_param(excluded_attributes),
        }
        return list_page(await self._json("GET", "Users", params=params), start_index)

    async def search_users(
        self,
        *,
        filter: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        start_index: int = 1,
        count: int | None = None,
        attributes: Attributes = None,
        excluded_attributes: Attributes = None,
    ) -> ListPage:
        """Like :meth:`list_users`, via ``POST /Users/.search`` (keeps long filters out of the URL)."""
        body: dict[str, Any] = {"schemas": [SEARCH_REQUEST], "startIndex": start_index}
        for key, value in (
            ("filter", filter),
            ("sortBy", sort_by),
            ("sortOrder", sort_order),
            ("count", count),
            ("attributes", as_list(attributes)),
            ("excludedAttributes", as_list(excluded_attributes)),
        ):
            if value is not None:
                body[key] = value
        return list_page(await self._json("POST", "Users/.search", json=body, idempotent=True), start_index)

    async def iter_pages(
        self,
        *,
        filter: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        page_size: int = 1000,
        attributes: Attributes = None,
        excluded_attributes: Attributes = None,
        use_search: bool = False,
    ) -> AsyncIterator[ListPage]:
        """Every page of users, by ``startIndex``, until ``totalResults`` are seen or a page is empty.

        The next ``startIndex`` follows from how many resources actually came back, so servers
        that cap pages below ``page_size`` are paged correctly. Sort for a stable order. The next page
        is requested before this one is handed over, so the server works while the caller does.
        """
        search = self.search_users if use_search else self.list_users

        def fetch(start: int) -> asyncio.Task[ListPage]:
            return asyncio.ensure_future(search(
                filter=filter, sort_by=sort_by, sort_order=sort_order, start_index=start, count=page_size,
                attributes=attributes, excluded_attributes=excluded_attributes))

        seen = 0
        pending: asyncio.Task[ListPage] | None = fetch(1)
        try:
            while pending is not None:
                page = await pending
                pending = None
                if not page.resources:
                    return
                seen += len(page.resources)
                if seen < page.total_results:
                    pending = fetch(1 + seen)
                yield page
        finally:
            if pending is not None:
                pending.cancel()

    async def list_groups(self, *, filter: str | None = None, start_index: int = 1, count: int | None = None,
                          attributes: Attributes = None, excluded_attributes: Attributes = None) -> ListPage:
        """One page of groups via ``GET /Groups``."""
        params = {"filter": filter, "startIndex": start_index, "count": count, "attributes": csv_param(attributes),
                  "excludedAttributes": csv_param(excluded_attributes)}
        return list_page(await self._json("GET", "Groups", params=params), start_index)

    async def value_counts(self, attribute: str, *, filter: str | None = None,
                           count: int | None = None) -> dict[str, Any]:
        """``GET /Users/.values``: how many users hold each value of a roster attribute, most frequent first (the
        roster service's extension: only where :meth:`features` says ``value_counts``; see docs/RULES.md)."""
        params = {"attribute": attribute, "filter": filter, "count": count}
        return await self._json("GET", "Users/.values", params=params) or {}

    async def create_user(self, resource: dict[str, Any]) -> dict[str, Any]:
        """POST a new user; returns the created resource (with its version)."""
        return await self._resource("POST", "Users", json=resource) or {}

    async def replace_user(
        self, user_id: str, resource: dict[str, Any], *, etag: str | None = None
    ) -> dict[str, Any]:
        """PUT a whole user; with ``etag``, only if unchanged since (else :class:`PreconditionFailed`)."""
        return (
            await self._resource("PUT", user_path(user_id), json=resource, headers=self._precondition(etag))
            or {}
        )

    async def patch_user(
        self, user_id: str, operations: list[dict[str, Any]], *, etag: str | None = None
    ) -> dict[str, Any] | None:
        """PATCH a user with SCIM PatchOp operations; None when the server answers 204 No Content."""
        body = {"schemas": [PATCH_OP], "Operations": operations}
        return await self._resource("PATCH", user_path(user_id), json=body, headers=self._precondition(etag))

    async def delete_user(self, user_id: str, *, etag: str | None = None) -> None:
        """DELETE a user; with ``etag``, only if unchanged since."""
        await self.request("DELETE", user_path(user_id), headers=self._precondition(etag))

    async def bulk(
        self, operations: list[dict[str, Any]], *, fail_on_errors: int | None = None
    ) -> dict[str, Any]:
        """POST a BulkRequest; returns the BulkResponse (per-operation ``status`` and ``response``)."""
        body: dict[str, Any] = {"schemas": [BULK_REQUEST], "Operations": operations}
        if fail_on_errors is not None:
            body["failOnErrors"] = fail_on_errors
        return await self._json("POST", "Bulk", json=body) or {}

    # -- discovery -----------------------------------------------------------------------------

    async def service_provider_config(self) -> dict[str, Any]:
        """``GET /ServiceProviderConfig``: which features (etag, patch, bulk, sort...) the server supports."""
        return await self._json("GET", "ServiceProviderConfig") or {}

    async def schemas(self) -> list[dict[str, Any]]:
        """``GET /Schemas``: the schema definitions the server publishes."""
        return resources_of(await self._json("GET", "Schemas"))

    async def resource_types(self) -> list[dict[str, Any]]:
        """``GET /ResourceTypes``."""
        return resources_of(await self._json("GET", "ResourceTypes"))

    async def user_history(self, user_id: str) -> list[dict[str, Any]]:
        """The roster API's audit trail of a user, newest first: ``at``, ``token``, ``action`` and
        ``changes`` (field -> [before, after]). A roster extension: [] from servers without it."""
        try:
            return resources_of(await self._json("GET", user_path(user_id) + "/history"))
        except NotFound:
            return []

    async def access(self) -> Access | None:
        """Who this client's token acts as and its role (the roster service's ``GET /Access``; None where
        :meth:`features` does not say ``access``, or where the answer is not one)."""
        if not (await self.features()).access:
            return None
        body = await self._json("GET", ACCESS_ENDPOINT.lstrip("/"))
        if not isinstance(body, dict) or not body.get("name") or not body.get("role"):
            return None
        return Access(str(body["name"]), str(body["role"]))

    async def features(self) -> Features:
        """What the server supports (discovery, asked once per client); each endpoint that does not answer
        counts as absent, and a server that answers none is taken to support everything."""
        if self._features is None:
            config, schemas, types = await asyncio.gather(
                self._discovered(self.service_provider_config), self._discovered(self.schemas),
                self._discovered(self.resource_types))
            self._features = features_from(config, schemas, types)
        return self._features

    @staticmethod
    async def _discovered(ask: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await ask()
        except RosterApiError as exc:
            if isinstance(exc, ConnectionFailed):
                raise
            return None
