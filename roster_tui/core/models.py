"""The roster's domain model: a user as the admins see it, and its training assignments.

Plain dataclasses: the console decodes its first page of users into them as it starts, and a validation library
there would cost a tenth of the start (benchmarks/startup.py). :func:`roster_tui.core.scim.user_from_scim` is where
a service's values are checked; :class:`TrainingAssignment` checks its own status and date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

#: Admin roles the service knows; published as ``canonicalValues`` of ``roles.value``.
ACCOUNT_ADMIN = "Account Admin"
ADMIN_ROLES: tuple[str, ...] = (
    ACCOUNT_ADMIN,
    "Training Admin",
    "Reporting Admin",
    "User Admin",
    "Content Admin",
)


class SyncKey(StrEnum):
    """The field that matches import rows to existing users."""

    EMAIL = "email"
    EMPLOYEE_ID = "employee_id"


class AssignmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingAssignment:
    """One course assigned to a user; read-only in roster-tui. A status or due date given as text is read (ISO
    date); one that is neither raises ValueError."""

    course: str
    status: AssignmentStatus
    due_date: date | None = None
    completed_at: str | None = None
    #: Set while the user is inactive on an assignment that deactivation cancelled: the status it had before.
    status_before_deactivation: AssignmentStatus | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: the checked values replace the given ones once, here
        set_(self, "status", AssignmentStatus(self.status))
        if self.status_before_deactivation is not None:
            set_(self, "status_before_deactivation", AssignmentStatus(self.status_before_deactivation))
        if isinstance(self.due_date, str):
            set_(self, "due_date", date.fromisoformat(self.due_date))
        elif self.due_date is not None and not isinstance(self.due_date, date):
            raise ValueError(f"not a date: {self.due_date!r}")


#: Roster fields in the order of the export, the template and the import mapping.
ROSTER_FIELDS: tuple[str, ...] = (
    "email",
    "employee_id",
    "first_name",
    "last_name",
    "title",
    "department",
    "division",
    "location",
    "manager",
    "hire_date",
    "status",
)


@dataclass(slots=True, kw_only=True)
class User:
    """A roster user, decoded from the roster API's SCIM representation."""

    id: str | None = None
    version: str | None = None
    email: str = ""
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
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # the names of the groups the user is in (read-only: set on the groups)
    assignments: tuple[TrainingAssignment, ...] = ()
    created: str | None = None
    last_modified: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def status(self) -> str:
        return "active" if self.active else "inactive"
