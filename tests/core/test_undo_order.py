"""The order of an undo's writes: users the change deleted created again first, its created users deleted last and
in the reverse of the order created (a report before their manager: deleting the manager first would write the
report, manager removed, and the report's delete would then be a conflict)."""

from __future__ import annotations

from roster_tui.core.undo import Touched, inverse_rows


def test_created_users_are_deleted_reports_first_after_the_other_writes() -> None:
    boss, report, other = (Touched(i, None, 1, False, f"{i}@x.example") for i in ("boss", "report", "other"))
    changed = Touched("kept", {"id": "kept", "userName": "kept@x.example", "title": "Old"}, 2, False,
                      "kept@x.example")
    current = {"boss": ({"id": "boss", "userName": "boss"}, 1), "report": ({"id": "report", "userName": "r"}, 1),
               "other": ({"id": "other", "userName": "o"}, 1),
               "kept": ({"id": "kept", "userName": "kept@x.example", "title": "New"}, 2)}
    rows = inverse_rows([boss, changed, report, other], current)
    assert [(r.action, r.user_id) for r in rows] == [("update", "kept"), ("delete", "other"), ("delete", "report"),
                                                     ("delete", "boss")]
    assert [r.line for r in rows] == [1, 2, 3, 4]
