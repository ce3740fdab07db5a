"""What the storage reads from a canonical SCIM User document (its indexed columns) and changes in it."""

from __future__ import annotations

from typing import Any

from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER, primary_email


def extract_columns(doc: dict[str, Any]) -> dict[str, Any]:
    """The indexed roster columns of a canonical document."""
    name = doc.get("name") or {}
    ent = doc.get(ENTERPRISE_USER) or {}
    ours = doc.get(ROSTER_USER) or {}
    roles = [r["value"] for r in doc.get("roles") or []]
    return {
        "user_name": doc["userName"],
        "email": primary_email(doc).strip().lower(),
        "employee_number": ent.get("employeeNumber"),
        "external_id": doc.get("externalId"),
        "given_name": name.get("givenName"),
        "family_name": name.get("familyName"),
        "display_name": doc.get("displayName"),
        "title": doc.get("title"),
        "department": ent.get("department"),
        "division": ent.get("division"),
        "location": ours.get("location"),
        "hire_date": ours.get("hireDate"),
        "manager_id": (ent.get("manager") or {}).get("value"),
        "active": doc.get("active", True) is not False,
        "roles": f"|{'|'.join(roles)}|" if roles else None,
    }


def without_manager(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its enterprise ``manager`` dropped (and the extension, if nothing else is left in it)."""
    ent = {k: v for k, v in (doc.get(ENTERPRISE_USER) or {}).items() if k != "manager"}
    new = {k: ent if k == ENTERPRISE_USER else v for k, v in doc.items() if k != ENTERPRISE_USER or ent}
    if not ent:
        new["schemas"] = [urn for urn in doc.get("schemas") or [] if urn != ENTERPRISE_USER]
    return new
