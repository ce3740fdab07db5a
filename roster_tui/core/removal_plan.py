"""The removal plan of a terms list: one row per key, saying what removing that user will do and why. Pure.

Each key (an email, or an employee ID when it has no ``@``) becomes exactly one row: ``deactivate``,
``delete``, ``unchanged`` (already inactive, or the same user listed again) or ``error`` (no such user,
or the last active Account Admin). The decision itself is :func:`roster_tui.core.removal.decide`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roster_tui.core.models import ACCOUNT_ADMIN, User
from roster_tui.core.removal import RemovalAction, decide
from roster_tui.core.roster import RosterIndex
from roster_tui.core.validation import email_key
from roster_tui.core.wording import plural

if TYPE_CHECKING:
    from roster_tui.core.guards import Guard

ACTIONS = ("deactivate", "delete", "unchanged", "error")
CHANGES = ("deactivate", "delete")
#: The summary's keys: the actions, then the rows with warnings.
SUMMARY_KEYS: tuple[str, ...] = (*ACTIONS, "warning")


@dataclass(frozen=True)
class RemovalKey:
    """One key of the list as given, with where it came from (file line or argument position)."""

    raw: str
    line: int | None = None
    origin: str = "line"  # what ``line`` counts: file lines, or command-line arguments

    @property
    def is_email(self) -> bool:
        return "@" in self.raw

    @property
    def lookup(self) -> str:
        """How the key is matched: emails trimmed and case-insensitive, employee IDs trimmed."""
        return email_key(self.raw) if self.is_email else self.raw.strip()

    @property
    def kind(self) -> str:
        return "email" if self.is_email else "employee ID"

    @property
    def ident(self) -> str:
        """The key as one string for comparing: kind and lookup value, case-folded."""
        return f"{self.kind}:{self.lookup.casefold()}"


#: What a pasted line may wrap a key in: ``Name <email>``, ``(E100045)``, quotes, list punctuation.
KEY_WRAPPING = "<>()\"'`,;:"
COMMENT = re.compile(r"(?:^|\s)#.*$")


def key_of_line(line: str) -> str:
    """The key of one line of a plain terms list ("" when it has none).

    ``#`` at the start of the line or after a space starts a comment (``E#12`` stays a key). Of what is left,
    the key is the first word that is an email (``Dana Smith <dana@acme.example>``), else the first word;
    the punctuation around a word is not part of it.
    """
    words = [w.strip(KEY_WRAPPING) for w in re.split(r"[\s,;]+", COMMENT.sub("", line))]
    words = [w for w in words if w]
    return next((w for w in words if "@" in w), words[0] if words else "")


def parse_keys(values: Iterable[str], *, first_line: int = 1) -> list[RemovalKey]:
    """Keys from command-line arguments, numbered by position; blank ones are dropped."""
    return [RemovalKey(v.strip(), i, "argument") for i, v in enumerate(values, first_line) if v.strip()]


@dataclass(slots=True)
class RemovalRow:
    """One key's row. ``counts`` are the user's assignments by status; ``cancels`` what deactivation cancels."""

    key: str
    action: str
    reason: str
    line: int | None = None
    origin: str = "line"
    cancels: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    user_id: str | None = None
    version: str | None = None
    name: str = ""
    email: str = ""
    reports: int = 0  # users whose manager this user is
    result: str | None = None  # after applying: ok, conflict or failed

    def idents(self) -> list[str]:
        """The keys this row's user is found by (:attr:`RemovalKey.ident`): the key listed, and the email."""
        keys = [RemovalKey(self.key).ident]
        if self.email:
            keys.append(RemovalKey(self.email).ident)
        return list(dict.fromkeys(keys))

    @property
    def reports_note(self) -> str:
        """What the removal does to the user's reports (empty when there are none)."""
        if not self.reports:
            return ""
        if self.action == "delete":
            return f"manages {plural(self.reports, 'user')}: deleting clears their manager"
        return f"manages {plural(self.reports, 'user')} (their manager stays as it is)"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "key": self.key, "action": self.action,
                               "reason": self.reason, "cancels": self.cancels, "reports": self.reports,
                               "errors": self.errors, "warnings": self.warnings}
        if self.result is not None:
            out["result"] = self.result
        return out


@dataclass
class RemovalPlan:
    rows: list[RemovalRow]
    delete_when_allowed: bool = False
    guards: list[Guard] = field(default_factory=list)  # the limits it is over (:func:`core.guards.hold`)
    forced: bool = False  # the admin passes those on purpose (--force, or typing the count)

    @property
    def held(self) -> list[Guard]:
        """The guards that hold the plan: nothing is written while there are any."""
        return [] if self.forced else self.guards

    def summary(self) -> dict[str, int]:
        counts = Counter(r.action for r in self.rows)
        out = {k: counts.get(k, 0) for k in ACTIONS}
        out["warning"] = sum(1 for r in self.rows if r.warnings)
        return out

    @property
    def changes(self) -> int:
        return sum(1 for r in self.rows if r.action in CHANGES)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.action == "error")

    def to_apply(self) -> list[RemovalRow]:
        return [r for r in self.rows if r.action in CHANGES]


#: What the last active Account Admin cannot do, by the change refused.
_LAST_ADMIN_CANNOT = {"deactivate": "be deactivated", "delete": "be deleted", "unassign": "lose that role"}


def is_active_account_admin(active: bool, roles: Iterable[str]) -> bool:
    """Whether a user with this status and these roles is an active Account Admin."""
    return active and ACCOUNT_ADMIN in roles


def last_admin_reason(email: str, action: str) -> str:
    """Why the last active Account Admin (``email``) cannot have the change ``action``: ``deactivate``,
    ``delete`` or ``unassign`` (lose the Account Admin role). The console, the CLI and the service say this."""
    return (f"{email} is the last active {ACCOUNT_ADMIN} and cannot {_LAST_ADMIN_CANNOT[action]}; "
            f"give another active user the {ACCOUNT_ADMIN} role first")


def _where(key: RemovalKey) -> str:
    return f"{key.origin} {key.line}" if key.line is not None else "earlier"


def build_removal_plan(keys: Iterable[RemovalKey], users: Iterable[User] | RosterIndex, *,
                       delete_when_allowed: bool = False,
                       active_admin_ids: Iterable[str] | None = None,
                       reports: Mapping[str, int] | None = None,
                       removed: Mapping[str, str] | None = None) -> RemovalPlan:
    """The plan for ``keys`` given the users looked up for them (``reports``: id -> how many users they manage).

    ``active_admin_ids`` are the ids of all active Account Admins of the roster (None: the looked-up
    users are taken as all there are). Removals keep at least one of them: the admin whose removal
    would leave none gets an error row instead. ``removed`` holds the keys (:attr:`RemovalKey.ident`) of users
    deleted earlier, with when: such a key that finds no user is "already removed", not an error.
    """
    index = users if isinstance(users, RosterIndex) else RosterIndex.of(users)
    if active_admin_ids is None:
        remaining = {u.id for u in index.users() if u.id and is_active_account_admin(u.active, u.roles)}
    else:
        remaining = set(active_admin_ids)
    rows: list[RemovalRow] = []
    seen_keys: dict[str, RemovalKey] = {}
    seen_users: dict[str, RemovalKey] = {}
    for key in keys:
        ident = key.ident
        if ident in seen_keys:
            first = seen_keys[ident]
            rows.append(RemovalRow(key.raw, "unchanged", f"listed again (first on {_where(first)})",
                                   key.line, key.origin,
                                   warnings=[f"duplicate key: already listed on {_where(first)}"]))
            continue
        seen_keys[ident] = key
        user = index.by_reference(key.raw)
        if user is None and removed and ident in removed:
            rows.append(RemovalRow(key.raw, "unchanged", f"already removed (deleted {removed[ident]})",
                                   key.line, key.origin, warnings=["already removed"]))
            continue
        if user is None:
            message = f"no user with {key.kind} {key.raw}"
            rows.append(RemovalRow(key.raw, "error", message, key.line, key.origin, errors=[message]))
            continue
        identity = user.id or f"{key.kind}:{key.lookup}"
        if identity in seen_users:
            first = seen_users[identity]
            rows.append(RemovalRow(key.raw, "unchanged", f"same user as {first.raw} ({_where(first)})",
                                   key.line, key.origin, user_id=user.id, name=user.display_name,
                                   email=user.email,
                                   warnings=[f"duplicate: {key.raw} is the same user as {first.raw} "
                                             f"on {_where(first)}"]))
            continue
        seen_users[identity] = key
        decision = decide(user.active, [a.status.value for a in user.assignments],
                          delete_when_allowed=delete_when_allowed)
        action = "unchanged" if decision.action == RemovalAction.NONE else decision.action.value
        row = RemovalRow(key.raw, action, decision.reason, key.line, key.origin,
                         cancels=decision.cancels if action == "deactivate" else 0, counts=decision.counts,
                         user_id=user.id, version=user.version, name=user.display_name, email=user.email,
                         reports=(reports or {}).get(user.id or "", 0))
        if action == "unchanged":
            row.warnings.append("already inactive")
        elif is_active_account_admin(user.active, user.roles):
            if remaining - {user.id}:
                remaining.discard(user.id)
            else:
                message = last_admin_reason(user.email, action)
                row.action, row.reason, row.cancels = "error", message, 0
                row.errors.append(message)
        rows.append(row)
    return RemovalPlan(rows, delete_when_allowed)
