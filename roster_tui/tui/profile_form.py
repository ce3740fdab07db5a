"""The profile form's fields: labels, per-field validation (from ``core``) and the mapping to a User."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from roster_tui.core.models import SyncKey, User
from roster_tui.core.validation import validate_field
from roster_tui.sync.people import UNIQUE_FIELDS


def rule(key: str, *, required: bool = False) -> Callable[[str], str | None]:
    """The importer's validator for ``key`` (one implementation in ``core``), plus "required" on the form."""

    def check(value: str) -> str | None:
        if required and not value.strip():
            return "required"
        return validate_field(key, value)

    return check


@dataclass(frozen=True)
class FormField:
    """A text field of the profile: the User attribute, its label and its validator."""

    key: str
    label: str
    check: Callable[[str], str | None]
    placeholder: str = ""


FIELDS: tuple[FormField, ...] = (
    FormField("email", "Email", rule("email", required=True), "name@example.com"),
    FormField("employee_id", "Employee ID", rule("employee_id")),
    FormField("first_name", "First name", rule("first_name", required=True)),
    FormField("last_name", "Last name", rule("last_name", required=True)),
    FormField("title", "Title", rule("title")),
    FormField("department", "Department", rule("department")),
    FormField("division", "Division", rule("division")),
    FormField("location", "Location", rule("location")),
    FormField("manager", "Manager", rule("manager"), "manager's email or employee ID"),
    FormField("hire_date", "Hire date", rule("hire_date"), "YYYY-MM-DD"),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
#: Fields that must be unique across the roster.
UNIQUE = UNIQUE_FIELDS


def sync_key_field(sync: SyncKey) -> str:
    """The form field that holds the sync field."""
    return "email" if sync == SyncKey.EMAIL else "employee_id"


def text_values(user: User, manager: str = "") -> dict[str, str]:
    """The form's text values for ``user`` (``manager`` is how the manager is shown: email or ID)."""
    values = {f.key: str(getattr(user, f.key, None) or "") for f in FIELDS if f.key != "manager"}
    values["manager"] = manager
    return values


def with_values(user: User, values: dict[str, str], *, active: bool, roles: tuple[str, ...],
                manager_id: str | None) -> User:
    """``user`` with the form's values (blank optional fields become unset)."""
    update: dict[str, object] = {}
    for f in FIELDS:
        if f.key == "manager":
            continue
        value = values[f.key].strip()
        update[f.key] = value if f.key in ("email", "first_name", "last_name") else (value or None)
    update.update(active=active, roles=roles, manager_id=manager_id)
    return replace(user, **update)


def validate(values: dict[str, str]) -> dict[str, str]:
    """Errors of the form's text values, by field key."""
    errors = {}
    for f in FIELDS:
        message = f.check(values.get(f.key, ""))
        if message:
            errors[f.key] = message
    return errors
