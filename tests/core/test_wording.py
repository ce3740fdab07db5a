"""Counts in messages: one way to say them (``roster_tui.core.wording``)."""

from __future__ import annotations

from roster_tui.core.removal import assignments_phrase
from roster_tui.core.wording import kind_count, plural


def test_plural_says_one_many_and_unknown() -> None:
    assert [plural(1, "admin"), plural(2, "admin"), plural(0, "row"), plural(1_204, "row")] == [
        "1 admin", "2 admins", "0 rows", "1,204 rows"]
    assert plural(None, "user") == "— users"  # a count the server could not give


def test_plan_kinds_that_are_nouns_take_the_plural() -> None:
    assert [kind_count(n, k) for n, k in [(6, "error"), (1, "error"), (2, "warning"), (3, "create"), (1, "unchanged")]
            ] == ["6 errors", "1 error", "2 warnings", "3 create", "1 unchanged"]


def test_what_a_user_has_names_its_assignments() -> None:
    assert assignments_phrase({"cancelled": 1}) == "1 training assignment (1 cancelled)"
    assert assignments_phrase({"completed": 2, "in_progress": 1}) == (
        "3 training assignments (1 in progress, 2 completed)")
    assert assignments_phrase({}) == "no training assignments"
