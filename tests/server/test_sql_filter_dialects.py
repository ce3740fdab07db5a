"""Filters compiled for PostgreSQL, attributes that cannot be filtered, and sorting."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql

from roster_tui.core.scim import ENTERPRISE_USER
from roster_tui.server.errors import from_storage
from roster_tui.server.filters import AttrPath, parse_filter
from roster_tui.server.storage import tables
from roster_tui.server.storage.errors import NotFilterable, NotSortable
from roster_tui.server.storage.sql_filter import compile_filter
from roster_tui.server.storage.sql_sort import order_by
from tests.server.test_sql_filter import engine, sqlite_engine  # noqa: F401  # the fixtures of the filter tests

ENT = ENTERPRISE_USER


def pg(text: str) -> str:
    expr = compile_filter(parse_filter(text), "postgresql")
    return str(expr.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_postgresql_column_filters() -> None:
    assert pg('name.familyName eq "Smith"') == "lower(users.family_name) = lower('Smith')"
    assert pg('emails.value co "a_b"') == "users.email ILIKE '%%a\\_b%%' ESCAPE '\\'"
    assert pg('id sw "u1"') == "users.id LIKE 'u1%%' ESCAPE '\\'"
    assert pg("active eq true") == "users.active = true"
    assert pg('title gt "m"') == "(lower(users.title) COLLATE \"C\") > lower('m')"
    assert pg('roles.value eq "User Admin"') == "users.roles ILIKE '%%|User Admin|%%' ESCAPE '\\'"
    assert "jsonb_array_elements" in pg('emails.type eq "work"')


def test_unfilterable_attributes() -> None:
    for text in ('meta.version eq "W/\\"1\\""', 'meta.resourceType eq "User"', "meta.location pr"):
        with pytest.raises(NotFilterable) as info:
            compile_filter(parse_filter(text))
        assert from_storage(info.value).scim_type == "invalidFilter"
        assert "is not supported" in from_storage(info.value).detail
    with pytest.raises(ValueError):
        compile_filter(parse_filter("title pr"), "oracle")


def test_order_by(engine: Engine) -> None:  # noqa: F811  # the fixture imported above
    assert order_by("name.familyName") is tables.users.c.family_name
    assert order_by(AttrPath(None, "emails")) is tables.users.c.email
    assert order_by("EMAILS.value") is tables.users.c.email
    assert order_by(f"{ENT}:manager") is tables.users.c.manager_id
    assert order_by("meta.lastModified") is tables.users.c.last_modified
    assert str(order_by("userName", "postgresql")) == "lower(users.user_name)"
    assert order_by("id", "postgresql") is tables.users.c.id
    for text in ("emails.type", "name.formatted", "name", "nickName", "userName,title"):
        with pytest.raises(NotSortable) as info:
            order_by(text)
        error = from_storage(info.value)
        assert (error.status, error.scim_type) == (400, "invalidValue")
    with engine.connect() as conn:
        column = order_by("name.familyName", engine.dialect.name)
        names = list(conn.scalars(select(tables.users.c.family_name).order_by(column)))
    assert names[:3] == ["Anderson", "Brown", "Clark"]
