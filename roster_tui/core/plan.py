"""The import plan (the diff): each valid row matched by the sync field and classified. Pure, no I/O.

Kinds: create, update, reactivate, deactivate, unchanged, and error for invalid rows. A blank cell
changes nothing; ``[clear]`` clears an optional field. The opt-in full sync deactivates active users
missing from the file; how many it may deactivate is a guard (:mod:`roster_tui.core.guards`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from roster_tui.core.key_scan import KeyScan
from roster_tui.core.models import SyncKey
from roster_tui.core.roster import RosterIndex, display_manager
from roster_tui.core.validation import CLEAR, REQUIRED_FOR_CREATE, RowResult, clean_cell, email_key, employee_key
from roster_tui.core.wording import plural

if TYPE_CHECKING:
    from roster_tui.core.guards import Guard


class Kind(StrEnum):
    """What a plan row does (a ``str``: compares and serialises as its value)."""

    CREATE = "create"
    UPDATE = "update"
    REACTIVATE = "reactivate"
    DEACTIVATE = "deactivate"
    UNCHANGED = "unchanged"
    ERROR = "error"


KINDS: tuple[Kind, ...] = tuple(Kind)
#: The kinds that write.
WRITES = (Kind.CREATE, Kind.UPDATE, Kind.REACTIVATE, Kind.DEACTIVATE)
#: The summary's key counting the rows with warnings (any kind).
WARNING = "warning"
SUMMARY_KEYS: tuple[str, ...] = (*KINDS, WARNING)
PATCHABLE = ("email", "employee_id", "first_name", "last_name", "title", "department", "division",
             "location", "hire_date")


class CreateChanges(AbcMapping[str, tuple[None, Any]]):
    """The changes of a planned create, compactly: field -> ``(None, value)`` from two tuples.

    A large file is mostly creates; this keeps one tuple of values per row (the names are shared).
    """

    __slots__ = ("_names", "_values")
    _shared: ClassVar[dict[tuple[str, ...], tuple[str, ...]]] = {}

    def __init__(self, changes: dict[str, tuple[Any, Any]]) -> None:
        names = tuple(changes)
        self._names = self._shared.setdefault(names, names)
        self._values = tuple(after for _before, after in changes.values())

    def __getitem__(self, name: str) -> tuple[None, Any]:
        try:
            return None, self._values[self._names.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def get(self, name: str, default: Any = None) -> Any:  # no KeyError raised and caught per missing field
        names = self._names
        return (None, self._values[names.index(name)]) if name in names else default

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def items(self) -> Any:
        return ((n, (None, v)) for n, v in zip(self._names, self._values, strict=True))

    def __repr__(self) -> str:
        return repr(dict(self.items()))


@dataclass(slots=True)
class PlanRow:
    """One row of the plan. ``changes`` maps field -> (before, after); creates have before None."""

    line: int | None
    action: str
    key: str
    changes: AbcMapping[str, tuple[Any, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    user_id: str | None = None
    version: str | None = None
    manager_id: str | None = None  # resolved id of a new or changed manager
    manager_line: int | None = None  # or: the line of the row that creates the manager
    active: bool = True  # the status of a created user
    training: str = ""  # what a deactivation cancels or a reactivation restores of the user's training


@dataclass
class Plan:
    sync_key: SyncKey
    rows: list[PlanRow]
    full_sync: bool = False
    refusal: str | None = None  # why the full sync could not be planned (its deactivations are left out)
    missing: int = 0  # users missing from the file that the full sync deactivates
    active: int = 0  # of the active users (the full sync's share guard)
    guards: list[Guard] = field(default_factory=list)  # the limits it is over (:func:`core.guards.hold`)
    forced: bool = False  # the admin passes those on purpose (--force, or typing the count)
    index: RosterIndex | None = None  # the existing users it was planned against
    notes: list[str] = field(default_factory=list)  # warnings about the file as a whole (new department values)
    groups: list[Any] = field(default_factory=list)  # its changes by field and value (:mod:`core.plan_shape`)
    anomalies: list[Any] = field(default_factory=list)  # what a routine file rarely does (:mod:`core.anomalies`)

    def __repr__(self) -> str:  # the default would print every row
        return f"Plan({len(self.rows)} rows, {self.summary()})"

    def summary(self) -> dict[str, int]:
        counts = Counter(r.action for r in self.rows)
        out = {str(k): counts.get(k, 0) for k in KINDS}
        out[WARNING] = sum(1 for r in self.rows if r.warnings)
        return out

    @property
    def changes(self) -> int:
        return sum(1 for r in self.rows if r.action in WRITES)

    @property
    def held(self) -> list[Guard]:
        """The guards that hold the plan: nothing is written while there are any."""
        return [] if self.forced else self.guards

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.action == Kind.ERROR)


#: How a manager reference to nobody in the roster is shown (never as a raw id).
class _Planner:
    def __init__(self, index: RosterIndex, scan: KeyScan, sync_key: SyncKey) -> None:
        self.index, self.scan, self.sync_key = index, scan, sync_key
        self.other = "employee_id" if sync_key == SyncKey.EMAIL else "email"
        self.key_field = sync_key.value
        self.by_key = index.by_email if sync_key == SyncKey.EMAIL else index.by_employee_id
        self.key_of = (lambda key: key) if sync_key == SyncKey.EMAIL else employee_key  # rows' email keys: folded
        self.compared = tuple(n for n in PATCHABLE if n != self.key_field)  # what an update may change
        self.any_duplicates = bool(scan.duplicate_emails or scan.duplicate_employee_ids)

    def row(self, r: RowResult) -> PlanRow:
        out = PlanRow(r.line, Kind.ERROR, r.key, errors=r.errors, warnings=r.warnings)  # the row's lists, taken
        if self.any_duplicates:
            self._duplicates(r, out)
        if out.errors:
            return out
        user = self.by_key.get(self.key_of(r.key)) if r.key else None
        if user is None:
            self._create(r, out)
        else:
            self._update(r, user, out)
        if out.errors:
            out.action, out.changes = Kind.ERROR, {}
        return out

    def _duplicates(self, r: RowResult, out: PlanRow) -> None:
        scan = self.scan
        for name, dups, key in (("email", scan.duplicate_emails, email_key(r.values.get("email", ""))),
                                ("employee_id", scan.duplicate_employee_ids, r.values.get("employee_id"))):
            lines = dups.get(key) if key and key != CLEAR else None
            if lines:
                where = ", ".join(str(n) for n in lines)
                out.errors.append(r.issue(name, f"{key} appears on {len(lines)} rows (lines {where}); keep one"))

    def _guard(self, r: RowResult, user: Any, out: PlanRow) -> None:
        """The duplicate guard: the other unique key must not belong to another user."""
        value = r.values.get(self.other)
        if not value or value == CLEAR:
            return
        owner = (self.index.by_employee_id.get(employee_key(value)) if self.other == "employee_id"
                 else self.index.by_email.get(email_key(value)))
        if owner is None or (user is not None and owner.id == user.id):
            return
        if self.other == "employee_id":
            out.errors.append(r.issue(self.other, f"{value} belongs to {owner.email}: if their email changed, "
                                                  "change it on their profile first"))
        else:
            who = owner.employee_id or f"the user without an employee ID ({owner.id})"
            out.errors.append(r.issue(self.other, f"{value} belongs to {who}: if their employee ID changed, "
                                                  "change it on their profile first"))

    def _manager(self, r: RowResult, out: PlanRow, own_id: str | None) -> tuple[str | None, bool]:
        """Resolve the manager cell: ``(display, resolved)``; sets ``manager_id`` / ``manager_line``."""
        ref = r.values["manager"]
        user = self.index.by_reference(ref)
        if user is not None:
            if own_id is not None and user.id == own_id:
                out.errors.append(r.issue("manager", "a user cannot be their own manager"))
                return None, False
            out.manager_id = user.id
            return user.email, True
        in_file = (self.scan.emails.get(email_key(ref)) if "@" in ref
                   else self.scan.employee_ids.get(ref.strip()))
        if in_file is None:
            out.errors.append(r.issue("manager", f"manager {ref!r} is neither in the roster nor in this file"))
            return None, False
        if in_file == r.line:
            out.errors.append(r.issue("manager", "a user cannot be their own manager"))
            return None, False
        out.manager_line = in_file
        return ref, True

    def _create(self, r: RowResult, out: PlanRow) -> None:
        v = r.values
        self._guard(r, None, out)
        for name in (*REQUIRED_FOR_CREATE, self.key_field):
            if not v.get(name) or v[name] == CLEAR:
                out.errors.append(r.issue(name, "required for a new user"))
        changes: dict[str, tuple[Any, Any]] = {}
        for name in PATCHABLE:
            value = v.get(name)
            if value and value != CLEAR:
                changes[name] = (None, value)
        if v.get("manager") and v["manager"] != CLEAR:
            display, ok = self._manager(r, out, None)
            if ok:
                changes["manager"] = (None, display)
        status = v.get("status")
        if status == CLEAR:
            out.errors.append(r.issue("status", "the status cannot be cleared"))
        out.active = status != "inactive"
        changes["status"] = (None, "active" if out.active else "inactive")
        if not out.active:
            out.warnings.append("a new user is created inactive")
        out.action, out.changes = Kind.CREATE, CreateChanges(changes)

    def _update(self, r: RowResult, user: Any, out: PlanRow) -> None:
        v = r.values
        out.user_id, out.version = user.id, user.version
        self._guard(r, user, out)
        changes: dict[str, tuple[Any, Any]] = {}
        differing = [n for n in self.compared if (x := v.get(n)) is not None and x != getattr(user, n)]
        for name in differing:  # most rows of a monthly file change nothing: only these need a closer look
            value, before = v[name], getattr(user, name)
            if value == CLEAR:
                if name in REQUIRED_FOR_CREATE:
                    out.errors.append(r.issue(name, "required, cannot be cleared"))
                elif before:
                    changes[name] = (before, None)
            elif name == "email":
                if email_key(value) != email_key(before or ""):
                    changes[name] = (before, value)
            elif value != same_text(before):
                if mojibake_of(before, value):
                    out.errors.append(r.issue(name, f"{value!r} looks like {before!r} read with the wrong "
                                                    "encoding; re-save the file as CSV UTF-8"))
                else:
                    changes[name] = (before or None, value)
        if "manager" in v:
            before_id = user.manager_id
            if v["manager"] == CLEAR:
                if before_id:
                    changes["manager"] = (display_manager(self.index, before_id), None)
            else:
                display, ok = self._manager(r, out, user.id)
                if ok and (out.manager_line is not None or out.manager_id != before_id):
                    changes["manager"] = (display_manager(self.index, before_id), display)
                else:
                    out.manager_id = None
        status = v.get("status")
        action = Kind.UPDATE if changes else Kind.UNCHANGED
        if status == CLEAR:
            out.errors.append(r.issue("status", "the status cannot be cleared"))
        elif status == "inactive" and user.active:
            action, changes["status"] = Kind.DEACTIVATE, ("active", "inactive")
        elif status == "active" and not user.active:
            action, changes["status"] = Kind.REACTIVATE, ("inactive", "active")
        elif status is None and not user.active:
            out.warnings.append("inactive; set status active to reactivate")
        out.action, out.changes = action, changes


def _check_new_managers(rows: list[PlanRow]) -> None:
    """Rows whose manager is created by another row: that row must create (or update) a user; no cycles."""
    by_line = {r.line: r for r in rows if r.line is not None}
    for row in rows:
        if row.manager_line is None or row.action == Kind.ERROR:
            continue
        target = by_line.get(row.manager_line)
        if target is None or target.action == Kind.ERROR:
            row.errors.append(f"the manager's row (line {row.manager_line}) has errors; fix it first")
        elif target.action != Kind.CREATE:
            row.manager_line, row.manager_id = None, target.user_id
            if target.user_id is None:
                row.errors.append(f"the manager's row (line {target.line}) does not create a user")
        else:
            seen, cur = {row.line}, target
            while cur is not None and cur.manager_line is not None:
                if cur.manager_line in seen:
                    row.errors.append(f"manager cycle through line {cur.manager_line}; "
                                      "create one of these users without a manager first")
                    break
                seen.add(cur.manager_line)
                cur = by_line.get(cur.manager_line)
        if row.errors:
            row.action, row.changes, row.manager_line = Kind.ERROR, {}, None


class PlanBuilder:
    """Builds a plan row by row (so a caller can feed it in slices); :func:`build_plan` in one call."""

    def __init__(self, index: RosterIndex, scan: KeyScan, sync_key: SyncKey | str) -> None:
        self.index, self.scan, self.sync_key = index, scan, SyncKey(sync_key)
        self._planner = _Planner(index, scan, self.sync_key)
        self.rows: list[PlanRow] = []

    def add(self, rows: Iterable[RowResult]) -> None:
        """Classify validated rows, in file order."""
        self.rows.extend(map(self._planner.row, rows))

    def finish(self, *, deactivate_missing: bool = False, force: bool = False) -> Plan:
        """The plan of the rows added: managers created in the file checked, the full sync added if asked."""
        _check_new_managers(self.rows)
        plan = Plan(self.sync_key, self.rows, full_sync=deactivate_missing, index=self.index, forced=force)
        if deactivate_missing:
            _full_sync(plan, self.index, self.scan)
        return plan


def build_plan(rows: Iterable[RowResult], index: RosterIndex, scan: KeyScan, sync_key: SyncKey | str,
               *, deactivate_missing: bool = False, force: bool = False) -> Plan:
    """Classify every validated row against the existing users; optionally the full-sync deactivations
    (``force``: the plan passes its guards, :func:`roster_tui.core.guards.hold`).

    The plan takes over each row's ``errors`` and ``warnings`` lists."""
    builder = PlanBuilder(index, scan, sync_key)
    builder.add(rows)
    return builder.finish(deactivate_missing=deactivate_missing, force=force)


def _full_sync(plan: Plan, index: RosterIndex, scan: KeyScan) -> None:
    """Deactivate the active users that no row of the file names by any key (how many: a guard's)."""
    if not index.complete:
        raise ValueError("the full sync needs the whole roster in the index")
    active = [u for u in index.by_id.values() if u.active]
    if plan.sync_key == SyncKey.EMPLOYEE_ID:
        lacking = sum(1 for u in active if not u.employee_id)
        if lacking:
            plan.refusal = (f"{plural(lacking, 'active user')} {'has' if lacking == 1 else 'have'} no employee ID, "
                            "so a full sync by Employee ID cannot tell whether they are in the file; give them "
                            "an employee ID on their profile, or sync by Email")
            return
    emails, employee_ids = scan.emails, {employee_key(e) for e in scan.employee_ids}
    missing = [u for u in active if email_key(u.email) not in emails
               and not (u.employee_id and employee_key(u.employee_id) in employee_ids)]
    plan.missing, plan.active = len(missing), len(active)
    key_of = (lambda u: email_key(u.email)) if plan.sync_key == SyncKey.EMAIL else (lambda u: u.employee_id)
    for user in sorted(missing, key=key_of):
        plan.rows.append(PlanRow(None, Kind.DEACTIVATE, key_of(user), {"status": ("active", "inactive")},
                                 user_id=user.id, version=user.version))


def same_text(stored: str | None) -> str:
    """A stored value as the importer reads a cell (:func:`clean_cell`), so surrounding spaces are no change."""
    return clean_cell(stored) if stored else ""


def mojibake_of(before: str | None, after: str) -> bool:
    """Whether ``after`` is ``before`` (non-ASCII) read with the wrong encoding: ``ZoÃ«`` for ``Zoë``."""
    if not before or before.isascii() or after.isascii():
        return False
    for codec in ("cp1252", "latin-1"):
        try:
            if after.encode(codec).decode("utf-8") == before:
                return True
        except UnicodeError:
            continue
    return False
