"""docs/RULES.md "Removing terminated users": the policy (core/removal) and the plan of a terms list."""

from __future__ import annotations

import pytest

from roster_tui.core.models import ACCOUNT_ADMIN, AssignmentStatus, TrainingAssignment, User
from roster_tui.core.removal import (
    OPEN_STATUSES,
    RemovalAction,
    can_delete,
    cancelled_on_deactivation,
    cancels_phrase,
    deactivate_assignments,
    decide,
    describe_counts,
    reactivate_assignments,
    restored_counts,
    restores_phrase,
    status_counts,
)
from roster_tui.core.removal_plan import RemovalKey, build_removal_plan, key_of_line, parse_keys

ALL = ["completed", "in_progress", "not_started", "cancelled"]

# -- the policy ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("delete_when_allowed", [False, True])
def test_active_with_assignments_is_deactivated_and_open_ones_counted(delete_when_allowed: bool) -> None:
    d = decide(True, ALL, delete_when_allowed=delete_when_allowed)
    assert d.action == RemovalAction.DEACTIVATE
    assert d.counts == {"completed": 1, "in_progress": 1, "not_started": 1, "cancelled": 1}
    assert d.cancels == 2
    assert d.reason == ("has 4 training assignments (1 not started, 1 in progress, 1 completed, 1 cancelled): "
                        "keeps the records; "
                        "cancels 2 not-yet-completed assignments (1 not started, 1 in progress)")


def test_only_closed_assignments_cancel_nothing() -> None:
    d = decide(True, ["completed", "completed", "cancelled"], delete_when_allowed=True)
    assert d.action == RemovalAction.DEACTIVATE
    assert d.cancels == 0
    assert d.reason == "has 3 training assignments (2 completed, 1 cancelled): keeps the records"
    assert decide(True, ["cancelled"], delete_when_allowed=False).reason == (
        "has 1 training assignment (1 cancelled): keeps the records")


def test_active_without_assignments_is_deactivated_unless_delete_asked() -> None:
    d = decide(True, [], delete_when_allowed=False)
    assert (d.action, d.counts, d.cancels) == (RemovalAction.DEACTIVATE, {}, 0)
    assert "delete was not asked for" in d.reason
    d = decide(True, [], delete_when_allowed=True)
    assert d.action == RemovalAction.DELETE
    assert d.reason == "no training assignments: nothing to keep"


def test_inactive_is_left_alone_unless_it_can_be_deleted() -> None:
    assert decide(False, ["completed"], delete_when_allowed=True).action == RemovalAction.NONE
    kept = decide(False, ["completed", "cancelled"], delete_when_allowed=False)
    assert (kept.action, kept.reason) == (RemovalAction.NONE, "already inactive (1 completed, 1 cancelled)")
    assert decide(False, [], delete_when_allowed=False).reason == "already inactive (no training assignments)"
    assert decide(False, [], delete_when_allowed=True).action == RemovalAction.DELETE


def test_describe_counts_follows_the_lifecycle_order() -> None:
    counts = {"cancelled": 4, "completed": 3, "in_progress": 2, "not_started": 1}
    assert describe_counts(counts) == "1 not started, 2 in progress, 3 completed, 4 cancelled"
    assert describe_counts({"completed": 2}) == "2 completed"
    assert describe_counts({}) == "no training assignments"
    assert status_counts(["completed", "completed", "in_progress"]) == {"completed": 2, "in_progress": 1}


def test_can_delete_and_cancelled_on_deactivation() -> None:
    assert can_delete([]) and can_delete(iter([]))
    assert not can_delete(["cancelled"])
    assert {"not_started", "in_progress"} == OPEN_STATUSES
    assert [cancelled_on_deactivation(s.value) for s in AssignmentStatus] == [
        "cancelled", "cancelled", "completed", "cancelled"]



# -- deactivation records what it cancels, reactivation gives it back ------------------------------------

ASSIGNED = [{"course": "A", "status": "not_started", "dueDate": "2027-01-31"},
            {"course": "B", "status": "in_progress"},
            {"course": "C", "status": "completed", "completedAt": "2026-01-20T10:00:00Z"},
            {"course": "D", "status": "cancelled"}]


def test_deactivation_cancels_the_open_assignments_recording_their_status() -> None:
    off = deactivate_assignments(ASSIGNED)
    assert off == [{"course": "A", "status": "cancelled", "dueDate": "2027-01-31",
                    "statusBeforeDeactivation": "not_started"},
                   {"course": "B", "status": "cancelled", "statusBeforeDeactivation": "in_progress"},
                   ASSIGNED[2], ASSIGNED[3]]
    assert ASSIGNED[0]["status"] == "not_started"  # the input is not changed
    assert deactivate_assignments([]) == []


def test_reactivation_restores_exactly_what_deactivation_cancelled() -> None:
    assert reactivate_assignments(deactivate_assignments(ASSIGNED)) == ASSIGNED
    assert reactivate_assignments(ASSIGNED) == ASSIGNED  # nothing recorded: nothing to restore


def test_reactivation_keeps_an_assignment_changed_since_and_drops_every_record() -> None:
    off = deactivate_assignments(ASSIGNED)
    off[0] = {**off[0], "status": "completed", "completedAt": "2027-02-01T09:00:00Z"}  # the platform, meanwhile
    on = reactivate_assignments(off)
    assert on[0] == {"course": "A", "status": "completed", "dueDate": "2027-01-31",
                     "completedAt": "2027-02-01T09:00:00Z"}
    assert on[1:] == ASSIGNED[1:]
    assert all("statusBeforeDeactivation" not in a for a in on)


def test_restored_counts_from_scim_dicts_and_from_the_console_model() -> None:
    off = deactivate_assignments([*ASSIGNED, {"course": "E", "status": "in_progress"}])
    assert restored_counts(off) == {"not_started": 1, "in_progress": 2}
    models = [TrainingAssignment(course=a["course"], status=a["status"],
                                 status_before_deactivation=a.get("statusBeforeDeactivation")) for a in off]
    assert restored_counts(models) == {"not_started": 1, "in_progress": 2}
    changed = [{**off[0], "status": "completed"}, {"course": "X", "status": "cancelled",
                                                   "statusBeforeDeactivation": "completed"}]
    assert restored_counts(changed) == {}  # changed since, or not a status deactivation cancels
    assert restored_counts(ASSIGNED) == {}


def test_phrases_the_screens_share() -> None:
    assert cancels_phrase([a["status"] for a in ASSIGNED]) == (
        "cancels 2 not-yet-completed assignments (1 not started, 1 in progress)")
    assert cancels_phrase({"in_progress": 1, "completed": 4}) == (
        "cancels 1 not-yet-completed assignment (1 in progress)")
    assert cancels_phrase(["completed", "cancelled"]) == "cancels no assignments"
    restored = restored_counts(deactivate_assignments(ASSIGNED))
    assert restores_phrase(restored) == (
        "restores 2 assignments that deactivation cancelled (1 not started, 1 in progress)")
    assert restores_phrase(["in_progress"]) == "restores 1 assignment that deactivation cancelled (1 in progress)"
    assert restores_phrase({}) == "restores no assignments"


# -- the plan of a terms list --------------------------------------------------------------------------


def user(n: int, *, active: bool = True, statuses: tuple[str, ...] = (), admin: bool = False,
         employee_id: str | None = None) -> User:
    return User(id=f"id{n}", version=f'W/"{n}"', email=f"User{n}@X.example", employee_id=employee_id,
                first_name="U", last_name=str(n), active=active,
                roles=(ACCOUNT_ADMIN,) if admin else (),
                assignments=tuple(TrainingAssignment(course=f"c{i}", status=s) for i, s in enumerate(statuses)))


def keys(*raw: str) -> list[RemovalKey]:
    return parse_keys(raw)


def test_parse_keys_numbers_arguments_and_detects_emails() -> None:
    parsed = parse_keys([" a@x.example ", "", "E1 "])
    assert [(k.raw, k.line, k.kind, k.lookup) for k in parsed] == [
        ("a@x.example", 1, "email", "a@x.example"), ("E1", 3, "employee ID", "E1")]
    assert {k.origin for k in parsed} == {"argument"}
    assert RemovalKey("A@X.Example").lookup == "a@x.example"


@pytest.mark.parametrize(("line", "key"), [
    ("charles.daniels@acme.example  # last day 11/30", "charles.daniels@acme.example"),
    ("# the list HR sent, November", ""),
    ("   ", ""),
    ("Dana Smith <dana.smith@acme.example>, left 12/01", "dana.smith@acme.example"),
    ("E100045   (contractor)", "E100045"),
    ("(E100046) # moved abroad", "E100046"),
    ("E#12", "E#12"),  # a # inside a word is not a comment
    ("'lee@acme.example';", "lee@acme.example"),
])
def test_a_plain_list_line_keys_on_its_email_else_its_first_word_without_comments(line: str, key: str) -> None:
    assert key_of_line(line) == key


def test_unknown_keys_are_errors_naming_the_key() -> None:
    plan = build_removal_plan(keys("nobody@x.example", "E404"), [])
    assert [(r.action, r.errors) for r in plan.rows] == [
        ("error", ["no user with email nobody@x.example"]), ("error", ["no user with employee ID E404"])]
    assert plan.errors == 2 and plan.changes == 0 and plan.to_apply() == []


def test_a_key_recorded_as_deleted_is_already_removed_only_while_no_user_has_it() -> None:
    removed = {RemovalKey("Gone@X.example").ident: "2026-11-02", RemovalKey(" E9 ").ident: "2026-11-03"}
    plan = build_removal_plan(keys("gone@x.example", "E9", "E99", "nobody@x.example", "user1@x.example"),
                              [user(1)], removed={**removed, RemovalKey("user1@x.example").ident: "2026-11-01"})
    assert [(r.action, r.reason) for r in plan.rows] == [
        ("unchanged", "already removed (deleted 2026-11-02)"), ("unchanged", "already removed (deleted 2026-11-03)"),
        ("error", "no user with employee ID E99"), ("error", "no user with email nobody@x.example"),
        ("deactivate", plan.rows[4].reason)]  # a user with the key again (re-hired) is planned as any other
    assert plan.errors == 2 and plan.changes == 1


def test_duplicates_are_listed_once_with_a_warning_on_the_later_key() -> None:
    u = user(1, employee_id="E1")
    plan = build_removal_plan(keys("user1@x.example", "USER1@x.example", "E1", "nobody@x", "nobody@x"), [u])
    assert [r.action for r in plan.rows] == ["deactivate", "unchanged", "unchanged", "error", "unchanged"]
    assert plan.rows[0].warnings == []
    assert plan.rows[1].warnings == ["duplicate key: already listed on argument 1"]
    assert "same user as user1@x.example" in plan.rows[2].warnings[0]
    assert plan.rows[4].warnings == ["duplicate key: already listed on argument 4"]
    assert len(plan.to_apply()) == 1
    assert plan.summary() == {"deactivate": 1, "delete": 0, "unchanged": 3, "error": 1, "warning": 3}


def test_already_inactive_is_listed_as_unchanged_with_a_warning() -> None:
    plan = build_removal_plan(keys("user1@x.example"), [user(1, active=False, statuses=("completed",))])
    row = plan.rows[0]
    assert (row.action, row.warnings, row.cancels) == ("unchanged", ["already inactive"], 0)
    assert row.reason == "already inactive (1 completed)"
    assert plan.changes == 0


def test_last_active_account_admin_is_an_error_decided_from_the_other_admins() -> None:
    a, b = user(1, admin=True), user(2, admin=True)
    # both admins listed and no other: the first goes, the one that would leave none is refused
    plan = build_removal_plan(keys("user1@x.example", "user2@x.example"), [a, b], active_admin_ids={"id1", "id2"})
    assert [r.action for r in plan.rows] == ["deactivate", "error"]
    assert plan.rows[1].errors == [
        "User2@X.example is the last active Account Admin and cannot be deactivated; "
        "give another active user the Account Admin role first"]
    assert plan.rows[1].reason == plan.rows[1].errors[0]
    # another active admin outside the list: both may go
    plan = build_removal_plan(keys("user1@x.example", "user2@x.example"), [a, b],
                              active_admin_ids={"id1", "id2", "id9"})
    assert [r.action for r in plan.rows] == ["deactivate", "deactivate"]
    # deleting is refused the same way; an inactive admin is not protected
    plan = build_removal_plan(keys("user1@x.example", "user3@x.example"),
                              [a, user(3, admin=True, active=False)], delete_when_allowed=True,
                              active_admin_ids={"id1"})
    assert [r.action for r in plan.rows] == ["error", "delete"]
    assert "cannot be deleted" in plan.rows[0].errors[0]
    # without the roster's admin ids, the looked-up users are all there are
    assert build_removal_plan(keys("user1@x.example"), [a]).rows[0].action == "error"


def test_a_mixed_list_plans_each_key_once() -> None:
    users = [user(1, statuses=("completed", "in_progress"), employee_id="E1"), user(2), user(3, active=False),
             user(4, active=False, statuses=("cancelled",))]
    ks = keys("E1", "user2@x.example", "user3@x.example", "user4@x.example", "ghost@x.example")
    plan = build_removal_plan(ks, users, delete_when_allowed=True)
    assert [(r.key, r.action, r.cancels) for r in plan.rows] == [
        ("E1", "deactivate", 1), ("user2@x.example", "delete", 0), ("user3@x.example", "delete", 0),
        ("user4@x.example", "unchanged", 0), ("ghost@x.example", "error", 0)]
    assert plan.rows[0].counts == {"completed": 1, "in_progress": 1}
    assert plan.rows[0].version == 'W/"1"' and plan.rows[0].user_id == "id1"
    assert plan.summary() == {"deactivate": 1, "delete": 2, "unchanged": 1, "error": 1, "warning": 1}
    assert plan.changes == 3 and plan.errors == 1
    assert set(plan.rows[0].as_json()) == {"line", "key", "action", "reason", "cancels", "reports", "errors",
                                             "warnings"}
    plan = build_removal_plan(ks, users, delete_when_allowed=False)
    assert [r.action for r in plan.rows] == ["deactivate", "deactivate", "unchanged", "unchanged", "error"]


def test_employee_ids_match_trimmed_and_case_insensitively() -> None:
    plan = build_removal_plan(keys(" e1 "), [user(1, employee_id="E1")])
    assert plan.rows[0].action == "deactivate" and plan.rows[0].key == "e1"
