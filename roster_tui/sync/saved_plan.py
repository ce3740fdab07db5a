"""A plan as a document: what ``roster import --out`` and ``roster remove --out`` write, what ``roster apply``
reads, and what the change journal keeps to resume an interrupted apply.

The document holds the writes exactly as planned, each with the version (ETag) of its user as the plan saw it,
so applying it later changes a user only if they are still as planned (else a conflict), and the service it was
planned against: a plan is applied there or nowhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson

from roster_tui.core.plan import Plan, PlanRow
from roster_tui.core.plan_writes import write_order
from roster_tui.core.removal_plan import RemovalPlan, RemovalRow
from roster_tui.core.roster import RosterIndex
from roster_tui.core.undo import UndoRow

FORMAT = "roster-plan/1"
IMPORT, REMOVAL, UNDO = "import", "removal", "undo"
_PLAN_FIELDS = ("line", "action", "key", "user_id", "version", "manager_id", "manager_line", "active", "training")
_UNDO_FIELDS = ("key", "action", "user_id", "version", "reason", "method", "data", "line")
_REMOVAL_FIELDS = ("key", "action", "reason", "line", "origin", "cancels", "user_id", "version", "name", "email",
                   "reports")


class PlanFileError(Exception):
    """A saved plan that cannot be applied (not a plan, damaged, or planned against another service)."""


@dataclass
class SavedPlan:
    """A plan read back: its kind, the rows to write (in order), where it was planned and from what."""

    kind: str
    rows: list[Any]
    service: str
    source: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    made: str = ""
    index: RosterIndex | None = None  # the emails of users whose email the plan changes (kept beside the new one)
    document: dict[str, Any] = field(default_factory=dict)  # as read

    def check_service(self, service: str) -> None:
        """Refuse a plan made against another service (its users' ids and versions mean nothing here)."""
        if service != self.service:
            raise PlanFileError(f"this plan was made against {self.service}, not {service}: plan again there")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _plan_row(row: PlanRow, index: RosterIndex | None) -> dict[str, Any]:
    out = {name: getattr(row, name) for name in _PLAN_FIELDS}
    out["changes"] = {name: [before, after] for name, (before, after) in row.changes.items()}
    entry = index.by_id.get(row.user_id) if index is not None and row.user_id and "email" in row.changes else None
    if entry is not None and getattr(entry, "emails", None):
        out["emails"] = entry.emails
    return out


def plan_document(plan: Plan | RemovalPlan, service: str, source: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document of ``plan`` (its writes only, in the order they are made) planned against ``service``."""
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if isinstance(plan, RemovalPlan):
        rows = [{name: getattr(r, name) for name in _REMOVAL_FIELDS} for r in plan.to_apply()]
        kind, extra = REMOVAL, {"deleteWhenAllowed": plan.delete_when_allowed}
    else:
        rows = [_plan_row(r, plan.index) for r in write_order(plan)]
        kind, extra = IMPORT, {"syncKey": plan.sync_key.value, "fullSync": plan.full_sync}
    return {"format": FORMAT, "kind": kind, "service": service, "made": made, "source": source or {},
            "counts": plan.summary(), **extra, "rows": rows}


def dump_plan(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, default=_json_default, option=orjson.OPT_INDENT_2)


def write_plan_file(document: dict[str, Any], path: Path) -> None:
    """Write the plan (0600: it names users) beside its final name first, so a reader never sees half of it."""
    part = path.with_name(path.name + ".part")
    part.write_bytes(b"")
    part.chmod(0o600)
    part.write_bytes(dump_plan(document) + b"\n")
    part.replace(path)


def undo_document(rows: list[UndoRow], service: str, change: int, counts: dict[str, int]) -> dict[str, Any]:
    """The document of an undo's writes (kept with the undo's change, to resume it)."""
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    saved = []
    for row in rows:
        out = {name: getattr(row, name) for name in _UNDO_FIELDS}
        out["changes"] = {name: [before, after] for name, (before, after) in row.changes.items()}
        saved.append(out)
    return {"format": FORMAT, "kind": UNDO, "service": service, "made": made, "source": {"change": change},
            "counts": counts, "rows": saved}


def save_plan(document: dict[str, Any], path: str, writes: int) -> None:
    """Write a plan file and say so on stderr (how to apply it)."""

    write_plan_file(document, Path(path))
    print(f"plan saved to {path} ({writes} writes): roster apply {path} writes it", file=sys.stderr)


def file_source(path: Path | str, rows: int, mapping: str | None = None) -> dict[str, Any]:
    """What a change records of the file it imports: its name, its SHA-256, its number of rows and its mapping's
    fingerprint (:attr:`~roster_tui.sync.import_file.PreparedFile.mapping_key`)."""

    out: dict[str, Any] = {"file": Path(path).name, "path": str(Path(path).resolve()), "rows": rows}
    if mapping:
        out["mapping"] = mapping
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:  # gone or unreadable since it was planned: recorded without its hash
        return out
    return {**out, "sha256": digest.hexdigest()}


_ID = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]{1,256}")  # one path segment, nothing that leaves /Users/{id}
_METHODS = ("POST", "PATCH", "DELETE")


def _checked(kind: str, data: Any) -> dict[str, Any]:
    """A row's data, refused (ValueError) when it could send a request anywhere but a user of /Users."""
    if not isinstance(data, dict):
        raise ValueError("a row is not an object")
    user_id = data.get("user_id")
    if user_id is not None and (not isinstance(user_id, str) or not _ID.fullmatch(user_id)):
        raise ValueError(f"a row names no user id that can be asked for ({str(user_id)[:40]!r})")
    if kind == UNDO and data.get("method") not in _METHODS:
        raise ValueError(f"a row's request is not one of {', '.join(_METHODS)}")
    for name in ("line", "manager_line"):
        if data.get(name) is not None and (not isinstance(data[name], int) or isinstance(data[name], bool)):
            raise ValueError(f"a row's {name} is not a number")
    return data


def _row(kind: str, data: dict[str, Any]) -> Any:
    if kind == UNDO:
        values = {name: data[name] for name in _UNDO_FIELDS if name in data}
        return UndoRow(**values, changes={n: tuple(p) for n, p in (data.get("changes") or {}).items()})
    if kind == REMOVAL:
        return RemovalRow(**{name: data[name] for name in _REMOVAL_FIELDS if name in data})
    values = {name: data[name] for name in _PLAN_FIELDS if name in data}
    values["changes"] = {name: tuple(pair) for name, pair in (data.get("changes") or {}).items()}
    return PlanRow(**values)


def read_plan(document: Any, where: str = "the plan") -> SavedPlan:
    """The plan a document holds; :class:`PlanFileError` saying what is wrong if it holds none."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PlanFileError(f"{where} is not a saved roster plan (made by roster import --out or remove --out)")
    kind = document.get("kind")
    rows = document.get("rows")
    if kind not in (IMPORT, REMOVAL, UNDO) or not isinstance(rows, list) \
            or not isinstance(document.get("service"), str):
        raise PlanFileError(f"{where} is damaged (kind, service or rows missing): make the plan again")
    try:
        parsed = [_row(kind, _checked(kind, r)) for r in rows]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise PlanFileError(f"{where} is damaged ({exc}): make the plan again") from None
    index = RosterIndex()
    for data in rows:
        if data.get("emails") and data.get("user_id"):
            index.by_id[data["user_id"]] = SimpleNamespace(emails=data["emails"])
    return SavedPlan(kind, parsed, document["service"], dict(document.get("source") or {}),
                     dict(document.get("counts") or {}), str(document.get("made") or ""), index, document)


def read_plan_file(path: Path) -> SavedPlan:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise PlanFileError(f"{path} is not JSON ({exc}): is it a saved plan?") from None
    return read_plan(document, str(path))
