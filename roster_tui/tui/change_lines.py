"""The change journal as lines of the console: a change in one line, its writes and a plan's rows (an undo, a
saved plan) as a line per user and one per field before -> after. Plain strings with a kind each (the screens
colour them by kind, never read them as markup)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from roster_tui.core.changes import DONE, OPEN, STOPPED, Change, Write
from roster_tui.core.undo import CONFLICT
from roster_tui.core.wording import kind_count, one_line
from roster_tui.tui.profile_tables import HISTORY_FIELDS, history_value

#: The counts of a plan that are writes (or would-be writes), in the order shown.
WRITE_KINDS = ("create", "update", "reactivate", "deactivate", "delete", CONFLICT)
#: How a change's status reads in the list, and its colour (a LinesView kind).
STATUS_WORDS = {DONE: ("done", "ok"), STOPPED: ("stopped", "warning"), OPEN: ("open", "conflict")}
#: The colour of an audit action or a plan row's action.
ACTION_KINDS = {"create": "create", "replace": "update", "patch": "update", "update": "update",
                "reactivate": "reactivate", "deactivate": "deactivate", "delete": "error", CONFLICT: "conflict",
                "manager-deleted": "dim", "error": "error", "unchanged": "unchanged"}
CHANGE_HEADER = f"{'#':>5}  {'When (UTC)':<16}  {'Kind':<7} {'Status':<8} Source · writes · who"

REASON_INLINE = 72  # a row's reason longer than this (with the row) goes on a line of its own: read whole at 80
Line = tuple[str, str]  # (kind, text)


def show(value: Any) -> str:
    return "(blank)" if value in (None, "", []) else one_line(str(value))


def counts_text(counts: Mapping[str, Any] | None) -> str:
    """A plan's writes in a few words: ``3 create, 1 update`` (``nothing`` when it writes nothing)."""
    counts = counts or {}
    parts = [kind_count(int(counts[k]), k) for k in WRITE_KINDS if isinstance(counts.get(k), int) and counts[k]]
    return ", ".join(parts) or "nothing"


def when(change: Change) -> str:
    return change.opened[:16].replace("T", " ")


def change_line(change: Change) -> Line:
    """One change of the list: number, when, kind, status, source, its planned writes, who."""
    status, kind = STATUS_WORDS.get(change.status, (change.status, "dim"))
    text = (f"{change.id:>5}  {when(change):<16}  {change.kind:<7} {status:<8} "
            f"{one_line(change.described)} · {counts_text(change.counts)} · {one_line(change.token)}")
    return kind, text


def change_title(change: Change) -> str:
    """A change in words: ``Change 12: import of new_hires.csv · 2026-11-30 16:45 UTC · admin · done``."""
    status = STATUS_WORDS.get(change.status, (change.status, ""))[0]
    what = change.described if change.kind == "undo" else f"{change.kind} of {change.described}"
    return one_line(f"Change {change.id}: {what} · {when(change)} UTC · {change.token} · {status}")


def outcome_text(change: Change) -> str:
    """What the change wrote, once closed: ``written: 3 ok · 1 conflict`` (empty while open)."""
    outcome = change.outcome or {}
    if not outcome:
        return "open: interrupted before it was closed (r resumes it)" if change.status == OPEN else ""
    parts = [f"{outcome.get(k, 0)} {k}" for k in ("ok", "conflict", "failed") if outcome.get(k)]
    if outcome.get("not_attempted"):
        parts.append(f"{outcome['not_attempted']} not attempted")
    return "written: " + (" · ".join(parts) or "nothing")


def people_of_writes(writes: Iterable[Write]) -> set[str]:
    """The user ids the writes name as managers (shown by email)."""
    return {str(v) for w in writes for name, pair in w.changes.items() if name == "manager_id"
            and isinstance(pair, list) for v in pair if v}


def field_lines(changes: Mapping[str, Any], people: Mapping[str, str] | None = None, *,
                audit: bool = False) -> list[Line]:
    """A line per field: ``first name: Ann -> Anne`` (``audit``: the audit trail's names and values)."""
    out: list[Line] = []
    order = list(HISTORY_FIELDS) if audit else []
    for name, pair in sorted(changes.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        before, after = pair
        if audit:
            label = HISTORY_FIELDS.get(name, name)
            old, new = (history_value(name, v, dict(people or {})) for v in (before, after))
        else:
            label, old, new = name.replace("_", " "), show(before), show(after)
        out.append(("dim", f"          {one_line(label)}: {one_line(old)} -> {one_line(new)}"))
    return out


def write_lines(writes: Iterable[Write], people: Mapping[str, str] | None = None) -> list[Line]:
    """Each write of a change: the action and who, then its fields before -> after."""
    out: list[Line] = []
    for write in writes:
        out.append((ACTION_KINDS.get(write.action, "dim"), f"{write.seq:>5}  {write.action:<16}{one_line(write.key)}"))
        out += field_lines(write.changes, people, audit=True)
    return out


def row_lines(rows: Iterable[Any]) -> list[Line]:
    """A plan's rows (an undo's, a saved plan's): the action, who and why, then each field before -> after;
    conflicts first."""
    rows = sorted(rows, key=lambda r: getattr(r, "action", "") != CONFLICT)
    out: list[Line] = []
    for row in rows:
        action = str(getattr(row, "action", ""))
        reason = getattr(row, "reason", "") or ""
        head = f"  {action:<11} {one_line(str(getattr(row, 'key', '')))}"
        if reason and (action == CONFLICT or len(head) + len(reason) > REASON_INLINE):  # why, whole
            out += [(ACTION_KINDS.get(action, "dim"), head), ("dim", f"          {one_line(reason)}")]
        else:
            out.append((ACTION_KINDS.get(action, "dim"), head + (f"  ({one_line(reason)})" if reason else "")))
        changes = {k: list(v) for k, v in (getattr(row, "changes", None) or {}).items()}
        if "status" in changes:  # said in words: active -> inactive
            changes.pop("active", None)
        if action == "delete":  # the user goes: what they had, then nothing
            changes = {k: [v[0], "(deleted)"] for k, v in changes.items()}
        out += field_lines(changes)
        for error in getattr(row, "errors", None) or []:
            out.append(("error", f"          error: {one_line(str(error))}"))
    return out
