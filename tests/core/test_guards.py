"""The guards: limits on deactivations, deletions and the share of the roster one change touches (docs/RULES.md)."""

from __future__ import annotations

import pytest

from roster_tui.core.guards import Counts, Limits, check, hold, import_counts, limit_value
from roster_tui.core.models import AssignmentStatus, TrainingAssignment, User
from roster_tui.core.removal_plan import RemovalKey, build_removal_plan
from tests.core.test_plan import entry, plan_of


def settings(counts: Counts, limits: Limits = Limits()) -> list[str]:  # noqa: B008 (frozen)
    return [g.setting for g in check(counts, limits)]


def test_the_defaults_hold_a_change_just_over_each_limit_and_not_at_it() -> None:
    assert Limits() == Limits(max_deactivations=500, max_deletions=100, max_share=None, full_sync_share=20)
    limits = Limits(max_share=50)
    at = Counts(deactivations=500, deletions=100, touched=500, roster=1000, missing=200, active=1000)
    assert check(at, limits) == []
    over = Counts(deactivations=501, deletions=101, touched=501, roster=1000, missing=201, active=1000)
    assert settings(over, limits) == ["full_sync_share", "max_deactivations", "max_deletions", "max_share"]
    assert settings(over) == ["full_sync_share", "max_deactivations", "max_deletions"]  # the share: off


def test_each_guard_says_the_count_the_limit_and_where_the_limit_is_set() -> None:
    guards = check(Counts(deactivations=340, deletions=3, touched=600, roster=1000, missing=None),
                   Limits(max_deactivations=100, max_deletions=2, max_share=50))
    assert [g.message for g in guards] == [
        "the plan deactivates 340 users; the limit is 100 (guards.max_deactivations)",
        "the plan deletes 3 users; the limit is 2 (guards.max_deletions)",
        "the plan changes 600 of the roster's 1,000 users (60%); the limit is 50% (guards.max_share)"]
    assert [(g.count, g.limit, g.verb, g.flag) for g in guards] == [
        (340, 100, "deactivate", "--max-deactivations"), (3, 2, "delete", "--max-deletions"),
        (600, 50, "change", "--max-share")]
    assert guards[0].as_json() == {"guard": "max_deactivations", "count": 340, "limit": 100,
                                   "message": guards[0].message}
    flagged = Limits().with_values({"max_deletions": 1}, "{flag}").with_values({"max_share": 12.5},
                                                                               "guards.{setting} in c.toml")
    messages = [g.message for g in check(Counts(deletions=2, touched=2, roster=10), flagged)]
    assert messages == ["the plan deletes 2 users; the limit is 1 (--max-deletions)",
                        "the plan changes 2 of the roster's 10 users (20%); the limit is 12.5% "
                        "(guards.max_share in c.toml)"]
    assert "(20.4%); the limit is 20%" in check(Counts(missing=204, active=1000), Limits())[0].message


def test_a_guard_turned_off_or_a_share_of_no_one_holds_nothing() -> None:
    off = Limits(max_deactivations=None, max_deletions=None, max_share=None, full_sync_share=None)
    assert check(Counts(deactivations=10**6, deletions=10**6, touched=10**6, roster=1, missing=10**6, active=1),
                 off) == []
    share = Limits(max_share=10)
    assert settings(Counts(touched=5, roster=None), share) == []  # the roster's size not known: not checked
    assert settings(Counts(touched=5, roster=0), share) == [] and settings(Counts(missing=0, active=0)) == []
    assert settings(Counts(deactivations=1), Limits(max_deactivations=0)) == ["max_deactivations"]  # 0: none at all


@pytest.mark.parametrize(("setting", "raw", "value"), [
    ("max_deactivations", 100, 100), ("max_deactivations", "0", 0), ("max_deletions", False, None),
    ("max_deletions", "off", None), ("max_share", 30, 30.0), ("max_share", "12.5%", 12.5),
    ("full_sync_share", 100, 100.0), ("full_sync_share", " OFF ", None)])
def test_a_limit_is_a_count_a_percent_or_off(setting: str, raw: object, value: object) -> None:
    assert limit_value(setting, raw) == value


@pytest.mark.parametrize(("setting", "raw"), [
    ("max_deactivations", -1), ("max_deactivations", 2.5), ("max_deactivations", "ten"), ("max_deletions", True),
    ("max_share", 0), ("max_share", 101), ("max_share", "half"), ("full_sync_share", [20]),
    ("full_sync_share", float("nan"))])
def test_a_limit_that_is_neither_is_refused_saying_what_it_takes(setting: str, raw: object) -> None:
    with pytest.raises(ValueError, match=r"^a (whole number of users \(0 or more\)|percent above 0 and at most 100)"):
        limit_value(setting, raw)


def test_an_import_counts_status_deactivations_and_the_full_sync_and_never_creates_as_touched() -> None:
    users = [entry(n) for n in range(1, 11)] + [entry(11, active=False)]
    rows = [["u1@x.example", "inactive"], ["u2@x.example", "inactive"], ["u3@x.example", ""],
            ["u11@x.example", "active"], ["new@x.example", ""]]
    p = plan_of(["Email", "Status"], rows, users)
    assert [r.action for r in p.rows] == ["deactivate", "deactivate", "unchanged", "reactivate", "error"]
    counts = import_counts(p, 11)
    assert (counts.deactivations, counts.touched, counts.missing) == (2, 3, None)
    full = plan_of(["Email", "Status", "First Name", "Last Name"],
                   [["u1@x.example", "inactive"], *([f"u{n}@x.example", ""] for n in range(2, 9)),
                    ["new@x.example", "", "New", "Hire"]], users, deactivate_missing=True)
    counts = import_counts(full, 11)  # u1 by its status, u9 and u10 missing; the new hire writes no one of the roster
    assert (counts.deactivations, counts.touched, counts.missing, counts.active) == (3, 3, 2, 10)
    assert [g.setting for g in hold(full, Limits(max_deactivations=2, max_share=25), 11)] == [
        "max_deactivations", "max_share"]
    assert full.held == full.guards and full.guards[1].message.startswith("the plan changes 3 of the roster's 11")


def _user(n: int, *, training: bool) -> User:
    done = (TrainingAssignment(course="Safety", status=AssignmentStatus.COMPLETED),) if training else ()
    return User(id=f"id{n}", version='W/"1"', email=f"user{n}@x.example", first_name="U", last_name=str(n),
                assignments=done)


def test_a_removal_counts_its_deactivations_and_deletions_and_force_passes_them() -> None:
    users = [_user(n, training=n % 2 == 0) for n in range(1, 7)]
    keys = [RemovalKey(f"user{n}@x.example", n) for n in range(1, 7)] + [RemovalKey("nobody@x.example", 7)]
    plan = build_removal_plan(keys, users, delete_when_allowed=True)
    assert plan.summary()["delete"] == 3 and plan.summary()["deactivate"] == 3
    guards = hold(plan, Limits(max_deactivations=2, max_deletions=2, max_share=None), roster=100)
    assert [(g.setting, g.count) for g in guards] == [("max_deactivations", 3), ("max_deletions", 3)]
    assert plan.held == guards
    assert hold(plan, Limits(max_share=99), roster=6)[0].message.startswith("the plan changes 6 of the roster's 6")
    plan.forced = True
    assert plan.held == [] and plan.guards
