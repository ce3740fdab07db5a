"""Retry-After as the client reads it: seconds or an HTTP date, never less than 0 or more than a minute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import (
    parse_retry_after,
)

MakeClient = Callable[..., RosterClient]




@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("86400", 60.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:20 GMT", now=now) == 20.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("Thu, 02 Jan 2025 12:00:00 GMT", now=now) == 60.0
