"""Fixtures for the server tests that need a database of their own, on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, new_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file path, or a PostgreSQL URL (ROSTER_TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return str(tmp_path / "roster.db")
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL (.ci/postgres.sh starts one)")
    return new_postgres_database()
