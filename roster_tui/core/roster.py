"""The users of the roster as the import plan and the removal know them: an entry per user, and the one index
that finds them by email, employee ID or id. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from roster_tui.core.validation import email_key, employee_key


@dataclass(slots=True)
class RosterEntry:
    """What the plan needs of an existing user (the roster API's ``User`` has these attributes too)."""

    id: str
    version: str | None
    email: str
    employee_id: str | None = None
    first_name: str = ""
    last_name: str = ""
    title: str | None = None
    department: str | None = None
    division: str | None = None
    location: str | None = None
    manager_id: str | None = None
    hire_date: str | None = None
    active: bool = True
    account_admin: bool = False  # holds the Account Admin role
    emails: list[Any] | None = None  # the resource's emails, kept whole by an email change


@dataclass
class RosterIndex:
    """Users looked up (or the whole roster), by email key, employee ID key and id: the one index of the import
    and the removal. Emails and employee IDs are matched trimmed and case-insensitively.

    ``complete`` says it holds the whole roster (needed by the full sync).
    """

    by_email: dict[str, Any] = field(default_factory=dict)
    by_employee_id: dict[str, Any] = field(default_factory=dict)
    by_id: dict[str, Any] = field(default_factory=dict)
    complete: bool = False

    def __repr__(self) -> str:  # the default would print every user (asyncio reprs a task's result)
        return f"RosterIndex({len(self.by_id)} users, complete={self.complete})"

    def add(self, user: Any) -> None:
        if user.email:
            self.by_email[user.email.strip().lower()] = user  # email_key, inlined (once per user of a crawl)
        if user.employee_id:
            self.by_employee_id[user.employee_id.strip().casefold()] = user  # employee_key, inlined
        if user.id:
            self.by_id[user.id] = user

    @classmethod
    def of(cls, users: Iterable[Any]) -> RosterIndex:
        index = cls()
        for user in users:
            index.add(user)
        return index

    def by_reference(self, ref: str) -> Any:
        """The user an email or an employee ID (no ``@``) names, or None."""
        return self.by_email.get(email_key(ref)) if "@" in ref else self.by_employee_id.get(employee_key(ref))

    def users(self) -> list[Any]:
        return list(self.by_id.values())


NOT_IN_ROSTER = "(a user no longer in the roster)"


def display_manager(index: RosterIndex, manager_id: str | None) -> str | None:
    """The manager's email, as the plan shows it."""
    if not manager_id:
        return None
    user = index.by_id.get(manager_id)
    return user.email if user is not None else NOT_IN_ROSTER
