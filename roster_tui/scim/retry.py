"""When and how long the roster API client waits before trying a request again, and the retry loop."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from roster_tui.scim.errors import (
    RETRY_AFTER_CAP,
    connection_failed,
    error_from_response,
    parse_retry_after,
    safe_url,
)

log = logging.getLogger("roster_tui.scim")

#: Methods that can safely be repeated even if an earlier attempt reached the server (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Statuses that ask the client to come back later: the server did not act on the request.
RETRY_STATUSES = frozenset({429, 503})

Sleep = Callable[[float], Awaitable[None]]


def failed_before_sending(exc: httpx.TransportError) -> bool:
    """Whether the failure happened before any byte of the request could reach the server."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def is_transient(exc: httpx.TransportError) -> bool:
    """Whether a transport failure may go away on its own (not a bad URL or a client-side protocol bug)."""
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After``.

    Retry ``n`` (0-based) waits between half and all of ``min(max_backoff, backoff * 2**n)``
    seconds, unless the server sent ``Retry-After``: then exactly that, capped at ``retry_after_cap``.
    """

    max_retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    retry_after_cap: float = RETRY_AFTER_CAP
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        """Seconds to wait before retry ``attempt`` (0-based); ``jitter`` is a random number in [0, 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return ceiling / 2 + ceiling / 2 * jitter

    def may_retry(self, attempt: int) -> bool:
        """Whether another attempt is allowed after ``attempt + 1`` attempts."""
        return attempt < self.max_retries


async def send_with_retries(
    http: httpx.AsyncClient,
    build: Callable[[], httpx.Request],
    *,
    idempotent: bool,
    policy: RetryPolicy,
    sleep: Sleep,
    jitter: Callable[[], float],
) -> httpx.Response:
    """Send the request ``build`` makes, retrying per ``policy``; the response for 2xx/304, else raise.

    Transport failures are retried when transient and either the request is idempotent or it
    cannot have reached the server; 429/503 are retried for every method (the server refused it).
    Raises :class:`~roster_tui.scim.errors.ConnectionFailed` or the error mapped from the response.
    """
    attempt = 0
    while True:
        request = build()
        try:
            response = await http.send(request)
        except httpx.TransportError as exc:
            sent = not failed_before_sending(exc)
            if not (is_transient(exc) and (idempotent or not sent) and policy.may_retry(attempt)):
                raise connection_failed(
                    exc, request.url, attempts=attempt + 1, may_have_reached_server=sent and not idempotent
                ) from exc
            delay = policy.delay(attempt, None, jitter())
            reason = type(exc).__name__
        else:
            status = response.status_code
            if status in policy.retry_statuses and policy.may_retry(attempt):
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), cap=policy.retry_after_cap
                )
                delay = policy.delay(attempt, retry_after, jitter())
                reason = f"HTTP {status}"
            elif response.is_success or status == 304:
                return response
            else:
                raise error_from_response(response)
        attempt += 1
        log.warning(
            "%s %s failed (%s); retry %d/%d in %.2fs",
            request.method,
            safe_url(request.url),
            reason,
            attempt,
            policy.max_retries,
            delay,
        )
        await sleep(delay)
