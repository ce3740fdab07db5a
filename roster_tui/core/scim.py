"""How a roster user maps onto SCIM 2.0 (RFC 7643) resources, both ways. Pure functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roster_tui.core.models import AssignmentStatus, TrainingAssignment, User

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ROSTER_USER = "urn:roster-tui:params:scim:schemas:extension:roster:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

#: SCIM filter/sort paths of the roster fields, as the console and the importer use them.
FIELD_PATHS: dict[str, str] = {
    "email": "userName",
    "employee_id": f"{ENTERPRISE_USER}:employeeNumber",
    "first_name": "name.givenName",
    "last_name": "name.familyName",
    "title": "title",
    "department": f"{ENTERPRISE_USER}:department",
    "division": f"{ENTERPRISE_USER}:division",
    "location": f"{ROSTER_USER}:location",
    "manager": f"{ENTERPRISE_USER}:manager.value",
    "hire_date": f"{ROSTER_USER}:hireDate",
    "status": "active",
    "roles": "roles.value",
}


def primary_email(resource: dict[str, Any]) -> str:
    """The roster email of a SCIM user: the primary work email, else the primary, a work one, any, userName."""
    emails = resource.get("emails") or []
    first = emails[0] if emails else None
    if isinstance(first, dict) and first.get("primary") and first.get("type") == "work" and first.get("value"):
        return str(first["value"])  # the usual case
    for wanted in (
        lambda e: e.get("primary") and e.get("type") == "work",
        lambda e: e.get("primary"),
        lambda e: e.get("type") == "work",
        lambda e: True,
    ):
        for e in emails:
            if isinstance(e, dict) and e.get("value") and wanted(e):
                return str(e["value"])
    return str(resource.get("userName") or "")


def _status_or_none(value: Any) -> AssignmentStatus | None:
    """An assignment status, or None for a missing or unknown one (it never costs the assignment itself)."""
    try:
        return AssignmentStatus(value) if value else None
    except ValueError:
        return None


def user_from_scim(resource: dict[str, Any]) -> User:
    """Decode a SCIM User resource (ours or any conforming server's) into a roster user."""
    name = resource.get("name") or {}
    ent = resource.get(ENTERPRISE_USER) or {}
    ours = resource.get(ROSTER_USER) or {}
    meta = resource.get("meta") or {}
    manager = ent.get("manager") or {}
    assignments = []
    for a in ours.get("trainingAssignments") or []:
        try:
            assignments.append(
                TrainingAssignment(
                    course=a.get("course") or "",
                    status=a.get("status") or "not_started",
                    due_date=a.get("dueDate") or None,
                    completed_at=a.get("completedAt") or None,
                    status_before_deactivation=_status_or_none(a.get("statusBeforeDeactivation")),
                )
            )
        except ValueError:
            continue
    return User(
        id=resource.get("id"),
        version=meta.get("version"),
        email=primary_email(resource),
        employee_id=ent.get("employeeNumber") or None,
        first_name=name.get("givenName") or "",
        last_name=name.get("familyName") or "",
        title=resource.get("title") or None,
        department=ent.get("department") or None,
        division=ent.get("division") or None,
        location=ours.get("location") or None,
        manager_id=(manager.get("value") if isinstance(manager, dict) else None) or None,
        hire_date=ours.get("hireDate") or None,
        active=resource.get("active", True) is not False,
        roles=tuple(r["value"] for r in resource.get("roles") or [] if isinstance(r, dict) and r.get("value")),
        groups=tuple(str(g.get("display") or g.get("value")) for g in resource.get("groups") or []
                     if isinstance(g, dict) and (g.get("display") or g.get("value"))),
        assignments=tuple(assignments),
        created=meta.get("created"),
        last_modified=meta.get("lastModified"),
    )


def user_to_scim(user: User, keeps: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Encode a roster user as a SCIM User resource for POST or PUT (read-only parts left out).

    ``keeps(field)`` says whether the server keeps a roster field; the others (and an extension with none of
    its fields) are not sent, so a server without the project's extension takes the rest.
    """
    def wanted(name: str, value: Any) -> bool:
        return bool(value) and (keeps is None or keeps(name))

    resource: dict[str, Any] = {
        "schemas": [CORE_USER],
        "userName": user.email,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "displayName": user.display_name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.active,
    }
    if wanted("title", user.title):
        resource["title"] = user.title
    if wanted("roles", user.roles):
        resource["roles"] = [{"value": r, "primary": i == 0} for i, r in enumerate(user.roles)]
    ent = {key: value for name, key, value in (("employee_id", "employeeNumber", user.employee_id),
                                                ("department", "department", user.department),
                                                ("division", "division", user.division)) if wanted(name, value)}
    if wanted("manager", user.manager_id):
        ent["manager"] = {"value": user.manager_id}
    ours = {key: value for name, key, value in (("location", "location", user.location),
                                                 ("hire_date", "hireDate", user.hire_date)) if wanted(name, value)}
    for urn, values in ((ENTERPRISE_USER, ent), (ROSTER_USER, ours)):
        if values or keeps is None:
            resource["schemas"].append(urn)
            resource[urn] = values
    return resource
