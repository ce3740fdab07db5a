"""Checks of a whole plan: the last active Account Admin, and group values no user has yet."""

from __future__ import annotations

from roster_tui.core.models import SyncKey
from roster_tui.core.plan_checks import deactivates_an_admin, keep_an_admin, note_new_values, unknown_values

from .test_plan import entry, plan_of


def test_the_deactivation_that_would_leave_no_account_admin_is_an_error() -> None:
    users = [entry(1, account_admin=True), entry(2, account_admin=True), entry(3)]
    rows = [["u1@x.example", "inactive"], ["u2@x.example", "inactive"], ["u3@x.example", "inactive"]]
    p = plan_of(["Email", "Status"], rows, users)
    assert deactivates_an_admin(p)
    keep_an_admin(p, {"id1", "id2"})
    assert [r.action for r in p.rows] == ["deactivate", "error", "deactivate"]
    assert p.rows[1].errors == ["u2@x.example is the last active Account Admin and cannot be deactivated; "
                                "give another active user the Account Admin role first"]
    assert p.rows[1].changes == {}


def test_an_admin_may_go_while_another_stays() -> None:
    users = [entry(1, account_admin=True), entry(2, account_admin=True)]
    p = plan_of(["Email", "Status"], [["u1@x.example", "terminated"]], users)
    keep_an_admin(p, {"id1", "id2"})
    assert [r.action for r in p.rows] == ["deactivate"]
    assert not deactivates_an_admin(plan_of(["Email", "Status"], [["u1@x.example", "active"]], users))


def test_the_full_sync_keeps_the_last_admin_too() -> None:
    users = [entry(n) for n in range(1, 10)] + [entry(10, account_admin=True)]
    p = plan_of(["Email"], [[f"u{n}@x.example"] for n in range(1, 10)], users, deactivate_missing=True)
    keep_an_admin(p, {"id10"})
    missing = [r for r in p.rows if r.line is None]
    assert [(r.user_id, r.action) for r in missing] == [("id10", "error")]


def test_a_group_value_no_user_has_is_noted_once_with_its_rows() -> None:
    users = [entry(1, department="Engineering", location="Austin, TX"), entry(2), entry(3)]
    rows = [["u1@x.example", "Quantum Basket Weaving", "Austin, TX"],
            ["u2@x.example", "Quantum Basket Weaving", ""],
            ["new@x.example", "quantum basket weaving", "", "New", "Hire"],
            ["u3@x.example", "ENGINEERING", "Remote"]]
    p = plan_of(["Email", "Department", "Location", "First Name", "Last Name"], rows, users)
    unknown = unknown_values(p)
    assert unknown["department"] == {"Quantum Basket Weaving": 2, "quantum basket weaving": 1}
    assert unknown["location"] == {"Remote": 1}
    note_new_values(p, unknown)
    assert p.notes == ["new department 'Quantum Basket Weaving': 3 rows (no user has it yet; a typo?; "
                       "also written 'quantum basket weaving')",
                       "new location 'Remote': 1 row (no user has it yet; a typo?)"]


def test_no_note_when_every_value_is_known() -> None:
    users = [entry(1, department="Sales"), entry(2)]
    p = plan_of(["Email", "Department"], [["u2@x.example", "sales"]], users, sync=SyncKey.EMAIL)
    note_new_values(p, unknown_values(p))
    assert p.notes == []
