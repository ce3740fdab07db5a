"""A plan's shape: its changes grouped by field and value, and its anomalies, on crafted files."""

from __future__ import annotations

import datetime as dt

import pytest

from roster_tui.config import ConfigError, anomaly_limits
from roster_tui.core.anomalies import Facts, count_reports, find_anomalies, leaving_reports
from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.plan_shape import NEW, STATUS, field_counts, plan_groups

from .test_plan import entry, plan_of

LOW = AnomalyLimits(min_users=2, clears=2, old_reactivations=2, manager_reports=2)


def texts(plan: object) -> list[str]:
    return [g.text for g in plan_groups(plan)]  # type: ignore[arg-type]


def test_changes_are_grouped_by_field_and_value_largest_first() -> None:
    users = [entry(n, title="Engineering Manager", department=f"D{n % 3}") for n in range(1, 8)]
    rows = [[f"u{n}@x.example", "Senior Engineering Manager", "Sales"] for n in range(1, 6)]
    rows += [["u6@x.example", "Engineering Manager", "Ops"], ["u7@x.example", "Engineering Manager", ""]]
    groups = plan_groups(plan_of(["Email", "Title", "Department"], rows, users))
    assert [g.text for g in groups] == [
        "department: 5 users → Sales (from 3 values)",
        "title: 5 users Engineering Manager → Senior Engineering Manager",
        "department: 1 user D0 → Ops",
    ]
    assert groups[1].keys == [f"u{n}@x.example" for n in range(1, 6)]
    assert groups[1].before == "Engineering Manager" and groups[0].befores == 3
    assert field_counts(groups) == {"department": 6, "title": 5}


def test_clears_managers_status_and_new_users_are_groups_too() -> None:
    users = [entry(1, location="Berlin", manager_id="id9"), entry(2, location="Berlin", manager_id="id9"),
             entry(3, active=False), entry(4), entry(9)]
    rows = [["u1@x.example", "[clear]", "u4@x.example", "", "", "", ""],
            ["u2@x.example", "[clear]", "[clear]", "", "", "", ""],
            ["u3@x.example", "", "", "active", "", "", ""],
            ["u4@x.example", "", "", "terminated", "", "", ""],
            ["n1@x.example", "", "", "", "New", "One", "Sales"],
            ["n2@x.example", "", "", "", "New", "Two", "Sales"]]
    plan = plan_of(["Email", "Location", "Manager", "Status", "First Name", "Last Name", "Department"], rows, users)
    assert texts(plan) == [
        "location: 2 users Berlin → [clear]",
        "new users: 2 users in Sales",
        "manager: 1 user u9@x.example → (none)",
        "manager: 1 user u9@x.example → u4@x.example",
        "status: 1 user reactivated",
        "status: 1 user deactivated",
    ]
    fields = {g.field for g in plan_groups(plan)}
    assert NEW in fields and STATUS in fields
    as_json = plan_groups(plan)[0].as_json()
    assert as_json == {"field": "location", "before": "Berlin", "befores": 1, "after": None, "count": 2,
                       "text": "location: 2 users Berlin → [clear]", "keys": ["u1@x.example", "u2@x.example"]}


def test_unchanged_and_error_rows_form_no_group() -> None:
    plan = plan_of(["Email", "Title"], [["u1@x.example", "T"], ["bad", "X"]], [entry(1, title="T")])
    assert plan_groups(plan) == []


def test_a_value_receiving_most_of_a_fields_changes_is_called_out() -> None:
    users = [entry(n, department=f"D{n}") for n in range(1, 11)]
    rows = [[f"u{n}@x.example", "Sales" if n <= 9 else "Ops"] for n in range(1, 11)]
    plan = plan_of(["Email", "Department"], rows, users)
    found = find_anomalies(plan, plan_groups(plan), Facts(), LOW)
    assert [(a.check, a.count) for a in found] == [("value_share", 9)]
    assert found[0].message == "department: 9 of 10 changes (90%) write one value, 'Sales'"
    assert len(found[0].rows) == 9
    assert find_anomalies(plan, plan_groups(plan), Facts(), AnomalyLimits(min_users=10)) == []  # too few users
    assert find_anomalies(plan, plan_groups(plan), Facts(), AnomalyLimits(value_share=95)) == []


def test_a_field_cleared_for_many_users_is_called_out_a_blank_cell_is_not() -> None:
    users = [entry(n, location="Berlin") for n in range(1, 5)]
    rows = [["u1@x.example", "[clear]"], ["u2@x.example", "[clear]"], ["u3@x.example", ""], ["u4@x.example", ""]]
    plan = plan_of(["Email", "Location"], rows, users)
    found = find_anomalies(plan, plan_groups(plan), Facts(), LOW)
    assert [(a.check, a.count, a.message) for a in found] == [
        ("clears", 2, "location: cleared ([clear] in the file) for 2 users")]
    assert find_anomalies(plan, plan_groups(plan), Facts(), AnomalyLimits(clears=3)) == []


def test_reactivations_of_users_inactive_for_long_are_called_out() -> None:
    users = [entry(n, active=False) for n in range(1, 5)]
    plan = plan_of(["Email", "Status"], [[f"u{n}@x.example", "active"] for n in range(1, 5)], users)
    since = {"id1": "2020-01-01T00:00:00Z", "id2": "2021-06-01T00:00:00Z", "id3": "2026-11-01T00:00:00Z"}
    facts = Facts(today=dt.date(2026, 11, 30), inactive_since=since)
    found = find_anomalies(plan, plan_groups(plan), facts, LOW)
    assert [(a.check, a.count, a.keys) for a in found] == [
        ("old_reactivations", 2, ["u1@x.example", "u2@x.example"])]
    assert found[0].message == "reactivates 2 users inactive (and unchanged) for over 365 days"
    assert find_anomalies(plan, plan_groups(plan), Facts(), LOW) == []  # not known: the check steps aside


def test_a_manager_losing_all_reports_is_called_out() -> None:
    users = [entry(1), entry(2, manager_id="id1"), entry(3, manager_id="id1"), entry(4, manager_id="id5"),
             entry(5), entry(6, manager_id="id5"), entry(7, manager_id="id5", active=False)]
    rows = [["u2@x.example", "u5@x.example", ""], ["u3@x.example", "", "inactive"],
            ["u4@x.example", "u1@x.example", ""]]
    plan = plan_of(["Email", "Manager", "Status"], rows, users)
    assert {m: len(r) for m, r in leaving_reports(plan, plan_groups(plan)).items()} == {}  # id1 gains u4, id5 gains u2
    plan = plan_of(["Email", "Manager", "Status"], rows[:2], users)
    assert {m: [r.key for r in rs] for m, rs in leaving_reports(plan, plan_groups(plan)).items()} == {
        "id1": ["u2@x.example", "u3@x.example"]}
    reports = count_reports(plan.index.by_id.values(), ["id1", "id5"])  # type: ignore[union-attr]
    assert reports == {"id1": 2, "id5": 2}  # u7 is inactive
    found = find_anomalies(plan, plan_groups(plan), Facts(reports=reports), LOW)
    assert [(a.check, a.count, a.message) for a in found] == [
        ("manager_reports", 1, "1 manager loses all their reports: u1@x.example (2)")]
    assert find_anomalies(plan, plan_groups(plan), Facts(reports={"id1": 3}), LOW) == []  # one report stays


def test_a_row_count_far_from_the_last_import_of_the_same_mapping_is_called_out() -> None:
    plan = plan_of(["Email"], [["u1@x.example"]], [entry(1)])
    facts = Facts(rows=1200, previous=(12, "hr.csv", 5000))
    found = find_anomalies(plan, [], facts, AnomalyLimits())
    assert [(a.check, a.count, a.message, a.rows) for a in found] == [
        ("row_change", 1200, "the file has 1,200 rows, -76% against the last import with the same mapping "
                             "(5,000 rows: change 12, hr.csv)", [])]
    assert find_anomalies(plan, [], Facts(rows=4000, previous=(12, "hr.csv", 5000)), AnomalyLimits()) == []
    assert find_anomalies(plan, [], facts, AnomalyLimits(row_change=None)) == []
    assert find_anomalies(plan, [], Facts(rows=1200), AnomalyLimits()) == []  # no earlier import known


def test_the_anomalies_table_of_config_toml(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cfg"  # type: ignore[operator]
    folder.mkdir()
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(folder))
    assert anomaly_limits() == AnomalyLimits()
    (folder / "config.toml").write_text("[anomalies]\nclears = 50\nrow_change = false\nvalue_share = '90%'\n")
    assert anomaly_limits() == AnomalyLimits(clears=50, row_change=None, value_share=90.0)
    for bad, said in (("clear = 5", "clear is not a setting"), ("inactive_days = 0", "a whole number above 0"),
                      ("value_share = 150", "a percent above 0"),
                      ("clears = -1", "or more., or false to turn the check off .the default is 20.")):
        (folder / "config.toml").write_text(f"[anomalies]\n{bad}\n")
        with pytest.raises(ConfigError, match=said):
            anomaly_limits()
