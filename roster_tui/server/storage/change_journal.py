"""The change journal's storage: each import, removal or undo applied as one change, and the audit rows of the
writes made for it (tagged with the change by the writer, :class:`~.sql.SqlWriter`).

A change is opened before its first write and closed after the last; one left open is an apply that was
interrupted, which a client resumes from the plan kept with it.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from roster_tui.server.storage.base import now
from roster_tui.server.storage.documents import can_hold
from roster_tui.server.storage.tables import audit, changes

OPEN, DONE, STOPPED = "open", "done", "stopped"
_SUMMARY = (changes.c.id, changes.c.kind, changes.c.status, changes.c.opened, changes.c.closed,
            changes.c.token_name, changes.c.source, changes.c.counts, changes.c.outcome, changes.c.undoes)


def _loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def _summary(row: Any) -> dict[str, Any]:
    return {"id": row[0], "kind": row[1], "status": row[2], "opened": row[3], "closed": row[4], "token": row[5],
            "source": _loads(row[6]) or {}, "counts": _loads(row[7]) or {}, "outcome": _loads(row[8]),
            "undoes": row[9]}


class ChangeJournal:
    """Change records and the audit trail of a SQL database (mixed into :class:`~.sql.SqlStorage`)."""

    read_engine: Engine
    write_engine: Engine

    def audit_for(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """A user's audit trail, newest first; each entry names its change when it was part of one."""
        if not can_hold(user_id):
            return []
        query = (select(audit.c.at, audit.c.token_name, audit.c.action, audit.c.changes, audit.c.change_id)
                 .where(audit.c.user_id == user_id).order_by(audit.c.pk.desc()).limit(limit))
        with self.read_engine.connect() as conn:
            return [{"at": r[0], "token": r[1], "action": r[2], "changes": orjson.loads(r[3]),
                     **({"change": r[4]} if r[4] is not None else {})} for r in conn.execute(query)]

    def open_change(self, actor: str, kind: str, source: dict[str, Any], counts: dict[str, Any],
                    plan: bytes | None = None, undoes: int | None = None) -> dict[str, Any]:
        """Record a new change, open, and return its summary."""
        values = {"kind": kind, "status": OPEN, "opened": now(), "token_name": actor,
                  "source": orjson.dumps(source).decode(), "counts": orjson.dumps(counts).decode(),
                  "undoes": undoes, "plan": plan.decode() if plan is not None else None}
        with self.write_engine.begin() as conn:
            id = conn.execute(insert(changes).values(**values).returning(changes.c.id)).scalar_one()
        found = self.get_change(int(id))
        assert found is not None
        return found

    def close_change(self, id: int, status: str, outcome: dict[str, Any]) -> dict[str, Any] | None:
        """Close the change with ``status`` (done, or stopped: some of it was not written) and its outcome;
        None if there is no such change. Closing a closed change records the newer outcome."""
        with self.write_engine.begin() as conn:
            done = conn.execute(changes.update().where(changes.c.id == id).values(
                status=status, closed=now(), outcome=orjson.dumps(outcome).decode()))
        return self.get_change(id) if done.rowcount == 1 else None

    def reopen_change(self, id: int) -> dict[str, Any] | None:
        """Mark a change open again (a resume of a stopped change); None if there is no such change."""
        with self.write_engine.begin() as conn:
            done = conn.execute(changes.update().where(changes.c.id == id).values(status=OPEN, closed=None))
        return self.get_change(id) if done.rowcount == 1 else None

    def change_status(self, id: int) -> str | None:
        with self.read_engine.connect() as conn:
            return conn.execute(select(changes.c.status).where(changes.c.id == id)).scalar()

    def get_change(self, id: int, plan: bool = False) -> dict[str, Any] | None:
        """A change's summary (with its saved plan, parsed, when ``plan``); None if there is none."""
        columns = (*_SUMMARY, changes.c.plan) if plan else _SUMMARY
        with self.read_engine.connect() as conn:
            row = conn.execute(select(*columns).where(changes.c.id == id)).first()
        if row is None:
            return None
        out = _summary(row)
        if plan:
            out["plan"] = _loads(row[-1])
        return out

    def list_changes(self, status: str | None = None, user_id: str | None = None, before: int | None = None,
                     limit: int = 100) -> list[dict[str, Any]]:
        """Changes newest first: all, those with ``status``, those that wrote ``user_id``; ``before``: only
        changes older than that id (the next page)."""
        query = select(*_SUMMARY).order_by(changes.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(changes.c.status == status)
        if before is not None:
            query = query.where(changes.c.id < before)
        if user_id is not None:
            query = query.where(changes.c.id.in_(select(audit.c.change_id).where(
                audit.c.user_id == user_id, audit.c.change_id.is_not(None))))
        with self.read_engine.connect() as conn:
            return [_summary(r) for r in conn.execute(query)]

    def change_writes(self, id: int, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """The writes of a change in the order they were made, from the audit row after ``after`` (``seq``):
        user, action, the fields before -> after, the whole document before (None for a create) and the
        version after (before, for a delete)."""
        query = (select(audit.c.pk, audit.c.at, audit.c.user_id, audit.c.action, audit.c.changes,
                        audit.c.before_doc, audit.c.version)
                 .where(audit.c.change_id == id, audit.c.pk > after).order_by(audit.c.pk).limit(limit))
        with self.read_engine.connect() as conn:
            return [{"seq": r[0], "at": r[1], "user": r[2], "action": r[3], "changes": orjson.loads(r[4]),
                     "before": _loads(r[5]), "version": r[6]} for r in conn.execute(query)]
