"""Read-only tables of the profile: training assignments and the audit history."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from roster_tui.core.models import User


def training_table(user: User) -> Table | str:
    """The user's training assignments as a read-only table."""
    if not user.assignments:
        return "No training assignments."
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for name in ("Course", "Status", "Due", "Completed"):
        table.add_column(name, no_wrap=True)
    for a in user.assignments:
        table.add_row(a.course, a.status.value.replace("_", " "), str(a.due_date or "—"),
                      (a.completed_at or "—")[:10])
    return table


def history_table(entries: list[dict[str, Any]], limit: int = 20) -> Table | str:
    """The newest ``limit`` entries of the user's audit trail: when, which token, what changed."""
    if not entries:
        return "No changes recorded."
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for name in ("When (UTC)", "Token", "Action", "Changes"):
        table.add_column(name, no_wrap=name != "Changes")
    for e in entries[:limit]:
        changes = "; ".join(f"{field}: {before if before is not None else '—'} → {after if after is not None else '—'}"
                            for field, (before, after) in sorted((e.get("changes") or {}).items()))
        table.add_row(str(e.get("at", ""))[:16].replace("T", " "), str(e.get("token", "")),
                      str(e.get("action", "")), changes)
    return table
