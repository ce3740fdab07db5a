"""The import's rules checked where they matter, in the database after a real apply (``roster serve``, SQLite and
PostgreSQL): users missing from the file are not written, admin columns never change roles, blank cells never
erase. The plan tests (tests/core) show what the plan says; these show what the service holds afterwards."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster_tui.core.models import ACCOUNT_ADMIN, SyncKey, User
from roster_tui.core.scim import ENTERPRISE_USER, user_from_scim
from roster_tui.scim.client import RosterClient
from roster_tui.sync.changes import apply_plan
from roster_tui.sync.import_file import prepare_file
from roster_tui.sync.importer import plan_import
from tests.cli.test_import import plan_json, tag, write
from tests.conftest import RunningServer
from tests.server.helpers import user_body


def history_length(api: httpx.Client, user_id: str) -> int:
    return len(api.get(f"/Users/{user_id}/history").json()["Resources"])


def role_values(resource: dict[str, Any]) -> list[str]:
    return sorted(r["value"] for r in resource.get("roles") or [])


def test_users_missing_from_the_file_stay_active_and_are_not_written(server: RunningServer,
                                                                      tmp_path: Path) -> None:
    t = tag()
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as api:
        users = [api.post("/Users", json=user_body(f"stay{i}.{t}@x.example", title="Before")).json()
                 for i in range(4)]
        before = {u["id"]: (api.get(f"/Users/{u['id']}").json(), history_length(api, u["id"])) for u in users}
        named, *missing = users
        path = write(tmp_path, "Email,First Name,Last Name,Title\n"
                               f"{named['userName']},,,After\n"
                               f"new.{t}@x.example,New,Hire,Analyst\n")
        code, applied = plan_json(server, tmp_path, str(path), "--apply", "--yes")
        assert code == 0 and applied["applied"] == {"ok": 2, "conflict": 0, "failed": 0}
        assert api.get(f"/Users/{named['id']}").json()["title"] == "After"  # the apply did write
        for user in missing:
            stored, entries = before[user["id"]]
            now = api.get(f"/Users/{user['id']}").json()
            assert now["active"] is True
            assert now["meta"]["version"] == stored["meta"]["version"]
            assert now == stored  # not a field changed
            assert history_length(api, user["id"]) == entries  # no write at all, not even one changing nothing


def test_admin_columns_leave_roles_as_they_are(server: RunningServer, tmp_path: Path) -> None:
    t = tag()
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as api:
        admin = api.post("/Users", json=user_body(f"admin.{t}@x.example", roles=[{"value": ACCOUNT_ADMIN}])).json()
        two = api.post("/Users", json=user_body(f"two.{t}@x.example", roles=[
            {"value": "Training Admin"}, {"value": "User Admin"}])).json()
        plain = api.post("/Users", json=user_body(f"plain.{t}@x.example")).json()
        before = {u["id"]: role_values(api.get(f"/Users/{u['id']}").json()) for u in (admin, two, plain)}
        assert before == {admin["id"]: [ACCOUNT_ADMIN], two["id"]: ["Training Admin", "User Admin"],
                          plain["id"]: []}
        path = write(tmp_path, "Email,First Name,Last Name,Title,Is Admin,Roles\n"
                               f"{admin['userName']},,,Lead,no,\n"
                               f"{two['userName']},,,Lead,false,[clear]\n"
                               f"{plain['userName']},,,Lead,yes,{ACCOUNT_ADMIN}\n"
                               f"new.{t}@x.example,New,Hire,Lead,yes,\"{ACCOUNT_ADMIN}, User Admin\"\n")
        code, applied = plan_json(server, tmp_path, str(path), "--apply", "--yes")
        assert code == 0 and applied["applied"] == {"ok": 4, "conflict": 0, "failed": 0}
        for user_id, roles in before.items():
            stored = api.get(f"/Users/{user_id}").json()
            assert stored["title"] == "Lead"  # the row was applied
            assert role_values(stored) == roles
        created = api.get("/Users", params={"filter": f'userName eq "new.{t}@x.example"'}).json()["Resources"]
        assert [role_values(u) for u in created] == [[]]


# -- blank cells never erase (hypothesis) ---------------------------------------------------------------------

#: Cells that are blank: empty, spaces, tabs, and invisible characters (no-break and zero-width spaces, a BOM).
BLANK_CELLS = ["", " ", "   ", "\t", "\u00a0", "\u200b", "\ufeff", " \u200b "]
FIELDS = ["employee_id", "first_name", "last_name", "title", "department", "division", "location", "manager",
          "hire_date", "status"]
HEADER = ["Email", "Employee ID", "First Name", "Last Name", "Title", "Department", "Division", "Location",
          "Manager", "Hire Date", "Status"]


def original(n: int, t: str, manager_id: str) -> dict[str, Any]:
    """User ``n`` of an example, every field filled."""
    return user_body(f"u{n}.{t}@x.example", given=f"First{n}", family=f"Last{n}", title=f"Title {n}",
                     location=f"Site {n}", hireDate=f"2020-01-0{n + 1}", active=True,
                     **{ENTERPRISE_USER: {"employeeNumber": f"E-{t}-{n}", "department": f"Dept {n}",
                                          "division": f"Div {n}", "manager": {"value": manager_id}}})


def new_value(field: str, n: int, t: str, other_manager: str) -> str:
    return {"employee_id": f"N-{t}-{n}", "hire_date": f"2022-02-0{n + 1}", "status": "inactive",
            "manager": other_manager}.get(field, f"New {field} {n}")


def stored_field(user: User, field: str, managers: dict[str, str]) -> str | None:
    if field == "status":
        return user.status
    if field == "manager":
        return managers.get(user.manager_id or "")
    return getattr(user, field)


async def blank_cells_example(server: RunningServer, cells: list[list[str | None]], folder: Path) -> None:
    """``cells[n][f]``: what the file's row of user n holds in field f (None: a new value; else a blank cell)."""
    t = tag()
    async with RosterClient(server.url, server.token, max_retries=0) as api:
        boss, other = [await api.create_user(user_body(f"{who}.{t}@x.example")) for who in ("boss", "other")]
        managers = {boss["id"]: boss["userName"], other["id"]: other["userName"]}
        users = [await api.create_user(original(n, t, boss["id"])) for n in range(len(cells))]
        before = [user_from_scim(u) for u in users]
        rows = []
        for n, (user, row) in enumerate(zip(before, cells, strict=True)):
            values = [new_value(f, n, t, other["userName"]) if cell is None else cell
                      for f, cell in zip(FIELDS, row, strict=True)]
            rows.append([user.email, *values])
        path = folder / f"blanks-{t}.csv"
        path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
        plan = await plan_import(api, prepare_file(path, sync_key=SyncKey.EMAIL))
        assert plan.errors == 0, [r.errors for r in plan.rows]
        result = await apply_plan(api, plan)
        assert result.clean, result.summary()
        for n, (user, row) in enumerate(zip(before, cells, strict=True)):
            stored = user_from_scim(await api.get_user(user.id) or {})
            for field, cell in zip(FIELDS, row, strict=True):
                if cell is None:
                    assert stored_field(stored, field, managers) == new_value(field, n, t, other["userName"])
                else:  # a blank cell: the stored value is what it was
                    assert stored_field(stored, field, managers) == stored_field(user, field, managers), field
            if all(cell is not None for cell in row):
                assert stored.version == user.version  # a row of only blank cells writes nothing


cells_strategy = st.lists(
    st.lists(st.one_of(st.none(), st.sampled_from(BLANK_CELLS)), min_size=len(FIELDS), max_size=len(FIELDS)),
    min_size=1, max_size=3)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=cells_strategy)
def test_blank_cells_never_erase_a_stored_value(server: RunningServer, cells: list[list[str | None]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(blank_cells_example(server, cells, Path(folder)))
