"""Read-only tables of the profile: training assignments and the audit history.

Every cell is a :class:`rich.text.Text`: Rich parses a plain ``str`` cell as markup, and these quote user data.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from roster_tui.core.models import User
from roster_tui.core.roster import NOT_IN_ROSTER


def training_table(user: User) -> Table | str:
    """The user's training assignments as a read-only table."""
    if not user.assignments:
        return "No training assignments."
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for name in ("Course", "Status", "Due", "Completed"):
        table.add_column(name, no_wrap=True)
    for a in user.assignments:
        table.add_row(Text(a.course), Text(a.status.value.replace("_", " ")), Text(str(a.due_date or "—")),
                      Text((a.completed_at or "—")[:10]))
    return table


#: How the audit trail's fields are named on the profile.
HISTORY_FIELDS = {
    "user_name": "user name", "email": "email", "employee_number": "employee ID", "external_id": "external ID",
    "given_name": "first name", "family_name": "last name", "display_name": "display name",
    "hire_date": "hire date", "manager_id": "manager", "active": "status", "roles": "admin roles",
    "trainingAssignments": "training",
}


def roles_of(value: Any) -> list[str]:
    """Admin roles as names, from how a store keeps them (``|Role A|Role B|``) or a list (of names or
    ``{"value": name}``)."""
    if isinstance(value, list | tuple):
        return [str(r.get("value", "") if isinstance(r, dict) else r).strip() for r in value
                if (r.get("value") if isinstance(r, dict) else r)]
    return [r.strip() for r in str(value).split("|") if r.strip()]


def history_value(field: str, value: Any, people: dict[str, str]) -> str:
    """An audited value as the admin reads it: a person by email (never a raw id), roles as a list."""
    if value is None or value == "":
        return "—"
    if field == "manager_id":
        return people.get(str(value), NOT_IN_ROSTER)
    if field == "roles":
        return ", ".join(roles_of(value)) or "—"
    if field == "active":
        return "active" if value else "inactive"
    return str(value)


def people_in(entries: list[dict[str, Any]]) -> set[str]:
    """The user ids the entries name (managers), to be shown by email."""
    return {str(v) for e in entries for f, pair in (e.get("changes") or {}).items() if f == "manager_id"
            for v in pair if v}


def history_table(entries: list[dict[str, Any]], limit: int = 20, people: dict[str, str] | None = None,
                  ) -> Table | str:
    """The newest ``limit`` entries of the user's audit trail: when, which token, the change of the journal it
    belonged to (where the service keeps one), what changed.

    ``people`` maps the ids of :func:`people_in` to emails."""
    if not entries:
        return "No changes recorded."
    people = people or {}
    table = Table(show_edge=False, pad_edge=False, expand=False)
    shown = entries[:limit]
    numbered = any(e.get("change") is not None for e in shown)  # a service with a change journal names them
    for name in ("When (UTC)", "Token", *(("Change",) if numbered else ()), "Action", "Changes"):
        table.add_column(name, no_wrap=name != "Changes")
    for e in shown:
        changes = "; ".join(
            f"{HISTORY_FIELDS.get(field, field)}: {history_value(field, before, people)} → "
            f"{history_value(field, after, people)}"
            for field, (before, after) in sorted((e.get("changes") or {}).items()))
        change = (Text(str(e["change"]) if e.get("change") is not None else "—"),) if numbered else ()
        table.add_row(Text(str(e.get("at", ""))[:16].replace("T", " ")), Text(str(e.get("token", ""))),
                      *change, Text(str(e.get("action", ""))), Text(changes))
    return table
