"""Errors of the roster API client, and the mapping of HTTP responses and transport failures onto them.

No message, repr or attribute built here ever holds the bearer token: errors carry the status,
the SCIM ``scimType`` and ``detail``, the method and the URL (scheme, host, port and path only).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

#: Longest ``detail`` kept from a response body that is not a SCIM error.
MAX_DETAIL = 200
#: Longest wait a ``Retry-After`` header can ask of the client, in seconds.
RETRY_AFTER_CAP = 60.0


class RosterApiError(Exception):
    """A request to the roster API failed.

    ``status`` is the HTTP status (None when no response came back), ``scim_type`` the SCIM
    ``scimType`` of the error (e.g. ``uniqueness``, ``invalidFilter``), ``detail`` the server's
    explanation.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        scim_type: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.detail = detail
        self.status = status
        self.scim_type = scim_type
        self.method = method
        self.url = url
        super().__init__(self._message())

    def _message(self) -> str:
        head = ""
        if self.status is not None:
            head = f"{self.status}"
            reason = _reason(self.status)
            if reason:
                head += f" {reason}"
            if self.scim_type:
                head += f" ({self.scim_type})"
            head += ": "
        where = f" [{self.method} {self.url}]" if self.method and self.url else ""
        return f"{head}{self.detail}{where}"

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status!r}, scim_type={self.scim_type!r}, detail={self.detail!r})"


class BadRequest(RosterApiError):
    """400: the request was malformed (bad filter, invalid value, missing attribute...)."""


class Unauthorized(RosterApiError):
    """401: the token is missing, wrong or expired."""


class Forbidden(RosterApiError):
    """403: the token may not do this."""


class NotFound(RosterApiError):
    """404: no such resource (or endpoint)."""


class Conflict(RosterApiError):
    """409: e.g. ``scimType`` ``uniqueness`` when a userName or employee number is taken."""


class PreconditionFailed(RosterApiError):
    """412: the resource changed on the server since its ETag was read."""


class PayloadTooLarge(RosterApiError):
    """413: the request (typically a bulk request) exceeds the server's limits."""


class RateLimited(RosterApiError):
    """429: too many requests; ``retry_after`` is the server's requested wait in seconds, if any."""

    def __init__(self, detail: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(detail, **kwargs)


class ServerError(RosterApiError):
    """5xx: the service failed or is unavailable."""


class ConnectionFailed(RosterApiError):
    """The service could not be reached: connection refused, unknown host, timeout, dropped connection.

    ``may_have_reached_server`` is True when the request may have been received (and applied)
    before the failure, e.g. on a read timeout.
    """

    def __init__(self, detail: str, *, may_have_reached_server: bool = False, **kwargs: Any) -> None:
        self.may_have_reached_server = may_have_reached_server
        super().__init__(detail, **kwargs)

    def _message(self) -> str:
        return self.detail


_BY_STATUS: dict[int, type[RosterApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    429: RateLimited,
}


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status)  # "" for unknown codes


def safe_url(url: httpx.URL | str) -> str:
    """The URL without credentials, query or fragment, fit for messages and logs."""
    u = httpx.URL(url) if isinstance(url, str) else url
    port = f":{u.port}" if u.port is not None else ""
    return f"{u.scheme}://{u.host}{port}{u.path}"


def parse_retry_after(
    value: str | None, *, now: datetime | None = None, cap: float = RETRY_AFTER_CAP
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date), capped; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), cap)


def _shorten(text: str, limit: int = MAX_DETAIL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_from_response(response: httpx.Response) -> RosterApiError:
    """The error for a non-success response: the subclass for its status, with the SCIM detail."""
    status = response.status_code
    scim_type: str | None = None
    detail: str | None = None
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and ("detail" in body or "scimType" in body):
        scim_type = str(body["scimType"]) if body.get("scimType") else None
        detail = str(body.get("detail") or "")
    if not detail and response.content:
        try:
            detail = _shorten(response.text)
        except (UnicodeDecodeError, LookupError):
            detail = ""
    if not detail:
        detail = _reason(status) or "error"
    kwargs: dict[str, Any] = {
        "status": status,
        "scim_type": scim_type,
        "method": response.request.method if _has_request(response) else None,
        "url": safe_url(response.request.url) if _has_request(response) else None,
    }
    cls = _BY_STATUS.get(status)
    if cls is RateLimited:
        return RateLimited(
            detail, retry_after=parse_retry_after(response.headers.get("Retry-After")), **kwargs
        )
    if cls is None:
        cls = ServerError if status >= 500 else RosterApiError
    return cls(detail, **kwargs)


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        return False
    return True


_DNS_MESSAGES = ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution")


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        chain.append(cur)
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return chain


def connection_failed(
    exc: Exception, url: httpx.URL | str, *, attempts: int = 1, may_have_reached_server: bool = False
) -> ConnectionFailed:
    """The ``ConnectionFailed`` for a transport error: what went wrong, with which URL, what to check."""
    where = safe_url(url)
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, socket.gaierror) for e in chain) or any(s in text for s in _DNS_MESSAGES):
        what = "the host name could not be resolved"
        hint = "Check the host name in the API URL and your DNS or network settings."
    elif any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        what = "the connection was refused"
        hint = "Check that the roster service is running and that the URL's host and port are right."
    elif isinstance(exc, httpx.ConnectTimeout):
        what = "connecting timed out"
        hint = "Check the URL, that the service is up, and any firewall or proxy in between."
    elif isinstance(exc, httpx.ReadTimeout):
        what = "the service did not answer in time"
        hint = "The service may be overloaded; try again later or raise the read timeout."
    elif isinstance(exc, httpx.TimeoutException):
        what = "the request timed out"
        hint = "Check the network and that the service is responsive."
    else:
        what = f"the connection failed ({type(exc).__name__})"
        hint = "Check that the roster service is running and reachable from this machine."
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    applied = (
        " The request may have reached the service; check its state before repeating it."
        if may_have_reached_server
        else ""
    )
    detail = f"Cannot reach the roster API at {where}: {what}{tries}. {hint}{applied}"
    return ConnectionFailed(detail, may_have_reached_server=may_have_reached_server, url=where)
