"""The plan: matching by the sync field, classification, before -> after, the guards (docs/RULES.md)."""

from __future__ import annotations

import pytest

from roster_tui.core.guards import Limits, hold
from roster_tui.core.key_scan import scan_keys
from roster_tui.core.mapping import resolve_mapping
from roster_tui.core.models import SyncKey
from roster_tui.core.plan import Plan, build_plan
from roster_tui.core.roster import RosterEntry, RosterIndex
from roster_tui.core.validation import CLEAR, RowValidator


def entry(n: int, **kw: object) -> RosterEntry:
    base: dict[str, object] = dict(id=f"id{n}", version=f'W/"{n}"', email=f"u{n}@x.example",
                                   employee_id=f"E{n}", first_name=f"F{n}", last_name=f"L{n}")
    base.update(kw)
    return RosterEntry(**base)  # type: ignore[arg-type]


def plan_of(header: list[str], rows: list[list[str]], users: list[RosterEntry] = (),  # type: ignore[assignment]
            sync: SyncKey = SyncKey.EMAIL, **kw: object) -> Plan:
    mapping = resolve_mapping(header)
    records = [(i + 2, r) for i, r in enumerate(rows)]
    scan = scan_keys(records, mapping)
    index = RosterIndex(complete=True)
    for u in users:
        index.add(u)
    v = RowValidator(mapping, sync, kw.pop("date_format", None))  # type: ignore[arg-type]
    return build_plan((v(line, cells) for line, cells in records), index, scan, sync, **kw)  # type: ignore[arg-type]


FULL = ["Email", "Employee ID", "First Name", "Last Name", "Title", "Department", "Manager", "Hire Date",
        "Status"]


def test_create_needs_email_and_names() -> None:
    p = plan_of(FULL, [["n@x.example", "", "New", "Person", "Dev", "", "", "2024-01-02", ""],
                       ["m@x.example", "", "", "Person"]])
    create, bad = p.rows
    assert create.action == "create"
    assert create.changes["title"] == (None, "Dev")
    assert create.changes["status"] == (None, "active") and create.active
    assert bad.action == "error" and bad.errors == ["First Name (column C): required for a new user"]


def test_create_with_employee_id_sync_needs_the_id() -> None:
    p = plan_of(["Email", "Employee ID", "First Name", "Last Name"], [["n@x.example", "", "A", "B"]],
                sync=SyncKey.EMPLOYEE_ID)
    assert p.rows[0].errors == ["Employee ID (column B): required (it is the sync field)"]


def test_update_only_differing_fields_and_blank_changes_nothing() -> None:
    u = entry(1, title="Dev", department="Eng", hire_date="2020-01-01")
    p = plan_of(FULL, [["U1@X.example ", "", "F1", "", "Senior Dev", "", "", "2020-01-01", ""]], [u])
    row = p.rows[0]
    assert row.action == "update" and row.key == "u1@x.example"
    assert row.changes == {"title": ("Dev", "Senior Dev")}
    assert row.user_id == "id1" and row.version == 'W/"1"'


def test_clear_clears_optional_fields_only() -> None:
    u = entry(1, title="Dev", department=None)
    p = plan_of(FULL, [["u1@x.example", CLEAR, "", "", CLEAR, CLEAR]], [u])
    assert p.rows[0].changes == {"employee_id": ("E1", None), "title": ("Dev", None)}
    p = plan_of(FULL, [["u1@x.example", "", CLEAR]], [u])
    assert p.rows[0].action == "error" and "cannot be cleared" in p.rows[0].errors[0]


def test_unchanged_and_a_terms_file_of_email_and_status() -> None:
    users = [entry(1), entry(2), entry(3, active=False)]
    p = plan_of(["Email", "Status"], [["u1@x.example", "active"], ["u2@x.example", "Terminated"],
                                      ["u3@x.example", "enabled"]], users)
    assert [r.action for r in p.rows] == ["unchanged", "deactivate", "reactivate"]
    assert p.rows[1].changes == {"status": ("active", "inactive")}
    assert p.rows[2].changes == {"status": ("inactive", "active")}


def test_inactive_user_with_blank_status_is_a_warning() -> None:
    p = plan_of(["Email", "Title"], [["u1@x.example", "New"]], [entry(1, active=False)])
    assert p.rows[0].action == "update"
    assert p.rows[0].warnings == ["inactive; set status active to reactivate"]
    assert p.summary()["warning"] == 1


def test_sync_field_is_never_changed() -> None:
    p = plan_of(["Employee ID", "Email"], [["E1", "NEW@x.example"]], [entry(1)], sync=SyncKey.EMPLOYEE_ID)
    assert p.rows[0].changes == {"email": ("u1@x.example", "NEW@x.example")}
    p = plan_of(["Email", "Employee ID"], [["U1@x.example", "E1"]], [entry(1)])
    assert p.rows[0].action == "unchanged"


def test_duplicate_keys_in_the_file_make_every_such_row_an_error() -> None:
    p = plan_of(["Email", "Employee ID", "First Name", "Last Name"],
                [["a@x.example", "E10", "A", "B"], ["b@x.example", "E10", "A", "B"],
                 ["A@x.example", "", "A", "B"], ["c@x.example", "", "C", "D"]])
    assert [r.action for r in p.rows] == ["error", "error", "error", "create"]
    assert "appears on 2 rows (lines 2, 4)" in p.rows[0].errors[0]
    assert "E10 appears on 2 rows (lines 2, 3)" in p.rows[0].errors[1]


def test_duplicate_guard_email_sync() -> None:
    p = plan_of(["Email", "Employee ID", "First Name", "Last Name"], [["new@x.example", "E1", "A", "B"]],
                [entry(1)])
    assert p.rows[0].action == "error"
    assert p.rows[0].errors == ["Employee ID (column B): E1 belongs to u1@x.example: if their email changed, "
                                "change it on their profile first"]


def test_duplicate_guard_employee_id_sync_and_for_updates() -> None:
    p = plan_of(["Employee ID", "Email", "First Name", "Last Name"], [["E99", "U1@x.example", "A", "B"]],
                [entry(1)], sync=SyncKey.EMPLOYEE_ID)
    assert "u1@x.example" not in p.rows[0].errors[0] and "E1" in p.rows[0].errors[0]
    p = plan_of(["Email", "Employee ID"], [["u2@x.example", "E1"]], [entry(1), entry(2)])
    assert p.rows[0].action == "error" and "E1 belongs to u1@x.example" in p.rows[0].errors[0]


def test_manager_resolved_in_roster_or_in_the_file() -> None:
    boss = entry(9)
    p = plan_of(["Email", "First Name", "Last Name", "Manager"],
                [["a@x.example", "A", "A", "u9@x.example"], ["b@x.example", "B", "B", "E9"],
                 ["c@x.example", "C", "C", "d@x.example"], ["d@x.example", "D", "D", ""],
                 ["e@x.example", "E", "E", "nobody@x.example"], ["f@x.example", "F", "F", "f@x.example"]],
                [boss])
    a, b, c, d, e, f = p.rows
    assert a.manager_id == "id9" and a.changes["manager"] == (None, "u9@x.example")
    assert b.manager_id == "id9"
    assert c.action == "create" and c.manager_line == 5 and c.manager_id is None
    assert d.action == "create"
    assert e.action == "error" and "neither in the roster nor in this file" in e.errors[0]
    assert f.action == "error" and "own manager" in f.errors[0]


def test_manager_change_shows_before_and_after_and_clear() -> None:
    users = [entry(1, manager_id="id2"), entry(2), entry(3)]
    p = plan_of(["Email", "Manager"], [["u1@x.example", "u3@x.example"]], users)
    assert p.rows[0].changes == {"manager": ("u2@x.example", "u3@x.example")}
    p = plan_of(["Email", "Manager"], [["u1@x.example", "E2"]], users)
    assert p.rows[0].action == "unchanged"
    p = plan_of(["Email", "Manager"], [["u1@x.example", CLEAR]], users)
    assert p.rows[0].changes == {"manager": ("u2@x.example", None)}


def test_manager_rows_with_errors_and_cycles() -> None:
    p = plan_of(["Email", "First Name", "Last Name", "Manager"],
                [["a@x.example", "A", "A", "b@x.example"], ["b@x.example", "", "B", ""],
                 ["c@x.example", "C", "C", "d@x.example"], ["d@x.example", "D", "D", "c@x.example"]])
    assert [r.action for r in p.rows] == ["error", "error", "error", "error"]
    assert "line 3" in p.rows[0].errors[0]
    assert "cycle" in p.rows[2].errors[0]


def test_dates_in_the_plan() -> None:
    u = entry(1, hire_date="2024-03-04")
    p = plan_of(["Email", "Hire Date"], [["u1@x.example", "03/04/2024"]], [u], date_format="%m/%d/%Y")
    assert p.rows[0].action == "unchanged"
    p = plan_of(["Email", "Hire Date"], [["u1@x.example", "03/04/2024"]], [u])
    assert p.rows[0].action == "error"


def test_summary_counts_every_kind() -> None:
    users = [entry(1), entry(2), entry(3, active=False)]
    p = plan_of(["Email", "First Name", "Last Name", "Status"],
                [["u1@x.example", "X", "", ""], ["u2@x.example", "", "", "inactive"],
                 ["u3@x.example", "", "", "active"], ["n@x.example", "N", "N", ""], ["bad", "", "", ""]],
                users)
    assert p.summary() == {"create": 1, "update": 1, "reactivate": 1, "deactivate": 1, "unchanged": 0,
                           "error": 1, "warning": 0}
    assert p.changes == 4 and p.errors == 1


def test_users_missing_from_the_file_are_left_alone() -> None:
    users = [entry(n) for n in range(1, 11)]
    p = plan_of(["Email"], [["u1@x.example"]], users)
    assert [r.action for r in p.rows] == ["unchanged"]


def test_full_sync_deactivates_missing_active_users() -> None:
    users = [entry(n) for n in range(1, 11)] + [entry(11, active=False)]
    rows = [[f"u{n}@x.example"] for n in range(1, 9)] + [["u9@x.example", "bad status"]]
    p = plan_of(["Email", "Status"], rows, users, deactivate_missing=True)
    missing = [r for r in p.rows if r.line is None]
    assert [(r.key, r.action, r.user_id) for r in missing] == [("u10@x.example", "deactivate", "id10")]
    assert missing[0].changes == {"status": ("active", "inactive")} and missing[0].version == 'W/"10"'
    assert p.missing == 1 and p.refusal is None


def test_full_sync_over_20_percent_is_held_by_its_guard_unless_forced() -> None:
    users = [entry(n) for n in range(1, 11)]
    rows = [[f"u{n}@x.example"] for n in range(1, 8)]  # 3 of 10 missing = 30%
    p = plan_of(["Email"], rows, users, deactivate_missing=True)
    assert p.refusal is None and (p.missing, p.active) == (3, 10)
    assert [r.key for r in p.rows if r.line is None] == ["u10@x.example", "u8@x.example", "u9@x.example"]
    (guard,) = hold(p, Limits(), roster=10)
    assert guard.setting == "full_sync_share" and (guard.count, guard.limit) == (3, 20)
    assert "3 of 10 active users (30%)" in guard.message and "check that the file is the whole roster" in guard.message
    assert p.held == [guard] and p.changes == 3  # held: the plan says what it would do, nothing is written
    forced = plan_of(["Email"], rows, users, deactivate_missing=True, force=True)
    assert hold(forced, Limits(), roster=10) == [guard] and forced.held == []
    ok = plan_of(["Email"], [*rows, ["u8@x.example"]], users, deactivate_missing=True)
    assert hold(ok, Limits(), roster=10) == [] and ok.missing == 2  # 20% is not over 20%
    assert hold(p, Limits(full_sync_share=None), roster=10) == [] and p.held == []  # the guard turned off


def test_full_sync_needs_the_whole_roster() -> None:
    with pytest.raises(ValueError, match="whole roster"):
        build_plan([], RosterIndex(), scan_keys([], resolve_mapping(["Email"])), SyncKey.EMAIL,
                   deactivate_missing=True)


def test_create_changes_are_compact_and_behave_like_the_dict() -> None:
    from roster_tui.core.plan import CreateChanges

    changes = {"email": (None, "a@x.example"), "first_name": (None, "A"), "status": (None, "active")}
    compact = CreateChanges(changes)
    assert compact == changes and dict(compact.items()) == changes and list(compact) == list(changes)
    assert compact["first_name"] == (None, "A") and len(compact) == 3 and "title" not in compact
    assert CreateChanges(dict(changes))._names is compact._names  # the field names are shared


def test_full_sync_by_employee_id_never_deactivates_a_user_the_file_names() -> None:
    users = [entry(n) for n in range(1, 11)]
    rows = [[f"u{n}@x.example", f"E{n}"] for n in range(1, 9)] + [["u9@x.example", ""]]  # u9: by email only
    p = plan_of(["Email", "Employee ID"], rows, users, sync=SyncKey.EMPLOYEE_ID, deactivate_missing=True)
    assert p.rows[8].action == "error"  # the sync field is missing on that row ...
    assert [r.user_id for r in p.rows if r.line is None] == ["id10"]  # ... but u9 is in the file: kept
    assert p.missing == 1 and p.refusal is None


def test_full_sync_by_employee_id_is_refused_while_active_users_lack_one() -> None:
    users = [entry(n) for n in range(1, 11)] + [entry(11, employee_id=None), entry(12, employee_id=None,
                                                                                    active=False)]
    rows = [[f"E{n}"] for n in range(1, 11)]
    for force in (False, True):
        p = plan_of(["Employee ID"], rows, users, sync=SyncKey.EMPLOYEE_ID, deactivate_missing=True, force=force)
        assert p.refusal and p.refusal.startswith("1 active user has no employee ID")
        assert all(r.line is not None for r in p.rows) and hold(p, Limits(), roster=12) == []


def test_a_mojibake_rewrite_of_accented_text_is_an_error_not_an_update() -> None:
    u = entry(1, first_name="Zoë", last_name="Müller-José", title="Directrice")
    p = plan_of(["Email", "First Name", "Last Name"], [["u1@x.example", "ZoÃ«", "MÃ¼ller-JosÃ©"]], [u])
    row = p.rows[0]
    assert row.action == "error" and not row.changes
    assert "'MÃ¼ller-JosÃ©' looks like 'Müller-José' read with the wrong encoding" in "; ".join(row.errors)
    fixed = plan_of(["Email", "Last Name"], [["u1@x.example", "Muller-Jose"]], [u])
    assert fixed.rows[0].changes == {"last_name": ("Müller-José", "Muller-Jose")}


@pytest.mark.parametrize("stored", [" Dev", "Dev  ", "Dev\xa0", "\u3000Dev"])
def test_surrounding_spaces_of_a_stored_value_are_not_a_change(stored: str) -> None:
    p = plan_of(["Email", "Title"], [["u1@x.example", "Dev"]], [entry(1, title=stored)])
    assert p.rows[0].action == "unchanged" and not p.rows[0].changes
