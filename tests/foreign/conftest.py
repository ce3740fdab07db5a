"""Fixtures of SCIM servers the project did not write, each a subprocess on a free loopback port (session-scoped).

* ``rfc_scim2_server``: scim2-server with only RFC 7643's schemas (core User, the enterprise extension,
  Group): no roster extension, no role catalog.
* ``django_scim2_server``: django-scim2 (15five's SCIM provider for Django) in a small Django site
  (tests/foreign/django_host) over SQLite, behind a bearer token.
* ``foreign_server``: each of them in turn.

Each yields a ``ScimServer``: ``base_url``, ``token``, ``config`` (the ServiceProviderConfig it serves),
``quirks`` (gaps and quirks seen by probing it), ``describe()``, ``startup_seconds`` and ``log`` (its output,
shown when it fails to start). Tests elsewhere import the fixtures they use from here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.foreign.launch import ScimServer, start_django_scim2, start_scim2_server

RFC_SCIM2_QUIRKS = (
    "no roster extension: a body carrying it is refused 400 invalidSyntax, a filter on it 400 invalidFilter",
    "no role catalog: roles take any value",
    "PATCH answers 204 with no body",
)

FOREIGN_SERVERS = ("rfc_scim2_server", "django_scim2_server")


@pytest.fixture(scope="session")
def rfc_scim2_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    """scim2-server serving only the RFC 7643 schemas and resource types."""
    with start_scim2_server(tmp_path_factory.mktemp("scim2-server-rfc"), quirks=RFC_SCIM2_QUIRKS) as server:
        yield server


@pytest.fixture(scope="session")
def django_scim2_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    """django-scim2 in a small Django site over SQLite."""
    with start_django_scim2(tmp_path_factory.mktemp("django-scim2")) as server:
        yield server


@pytest.fixture(params=FOREIGN_SERVERS)
def foreign_server(request: pytest.FixtureRequest) -> ScimServer:
    """Each foreign server in turn."""
    return request.getfixturevalue(request.param)
