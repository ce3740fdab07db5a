"""The schemas the roster API publishes (RFC 7643 §7) and validates every write against."""

from __future__ import annotations

from typing import Any

from roster_tui.core.models import ADMIN_ROLES, AssignmentStatus
from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, ROSTER_USER

MAX_STRING = 256


def attr(
    name: str,
    type_: str = "string",
    *,
    multi: bool = False,
    required: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    case_exact: bool = False,
    canonical: tuple[str, ...] | None = None,
    sub: list[dict[str, Any]] | None = None,
    description: str = "",
    reference_types: list[str] | None = None,
) -> dict[str, Any]:
    """One attribute definition in RFC 7643 §7 form."""
    d: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": description or name,
        "required": required,
        "mutability": mutability,
        "returned": returned,
    }
    if type_ in ("string", "reference", "binary"):
        d["caseExact"] = case_exact
        d["uniqueness"] = uniqueness
    if canonical:
        d["canonicalValues"] = list(canonical)
    if sub is not None:
        d["subAttributes"] = sub
    if reference_types:
        d["referenceTypes"] = reference_types
    return d


USER_ATTRIBUTES = [
    attr("userName", required=True, uniqueness="server",
         description="Unique login name; the roster uses the user's email."),
    attr("name", "complex", required=True, description="The user's name.", sub=[
        attr("formatted"),
        attr("familyName", required=True, description="Last name."),
        attr("givenName", required=True, description="First name."),
    ]),
    attr("displayName"),
    attr("title"),
    attr("active", "boolean", description="Active users can be assigned training."),
    attr("emails", "complex", multi=True, required=True, description="Email addresses; the primary work "
         "email is the roster email.", sub=[
        attr("value", required=True),
        attr("type", canonical=("work", "home", "other")),
        attr("primary", "boolean"),
    ]),
    attr("roles", "complex", multi=True, description="Admin roles; empty means not an admin.", sub=[
        attr("value", required=True, canonical=ADMIN_ROLES),
        attr("display"),
        attr("type"),
        attr("primary", "boolean"),
    ]),
]

ENTERPRISE_ATTRIBUTES = [
    attr("employeeNumber", uniqueness="server", description="Employee ID."),
    attr("department"),
    attr("division"),
    attr("manager", "complex", description="The user's manager.", sub=[
        attr("value", description="id of the manager"),
        attr("$ref", "reference", reference_types=["User"]),
        attr("displayName", mutability="readOnly"),
    ]),
]

ROSTER_ATTRIBUTES = [
    attr("hireDate", description="Hire date as an ISO 8601 date (YYYY-MM-DD)."),
    attr("location"),
    attr("trainingAssignments", "complex", multi=True, mutability="readOnly",
         description="Training assignments; managed by the training platform.", sub=[
        attr("course", mutability="readOnly"),
        attr("status", mutability="readOnly", canonical=tuple(s.value for s in AssignmentStatus)),
        attr("dueDate", mutability="readOnly"),
        attr("completedAt", "dateTime", mutability="readOnly"),
        attr("statusBeforeDeactivation", mutability="readOnly",
             canonical=(AssignmentStatus.NOT_STARTED.value, AssignmentStatus.IN_PROGRESS.value),
             description="Only on an assignment that deactivating its user cancelled: the status it had "
                         "then, given back on reactivation unless the assignment changed since."),
    ]),
]

SCHEMAS: dict[str, dict[str, Any]] = {
    CORE_USER: {"id": CORE_USER, "name": "User", "description": "User Account", "attributes": USER_ATTRIBUTES},
    ENTERPRISE_USER: {"id": ENTERPRISE_USER, "name": "EnterpriseUser", "description": "Enterprise User",
                      "attributes": ENTERPRISE_ATTRIBUTES},
    ROSTER_USER: {"id": ROSTER_USER, "name": "RosterUser",
                  "description": "Training roster fields of a user", "attributes": ROSTER_ATTRIBUTES},
}

#: Attribute definitions by lower-cased name, per schema URN (SCIM names are case-insensitive).
ATTRS_BY_SCHEMA: dict[str, dict[str, dict[str, Any]]] = {
    urn: {a["name"].lower(): a for a in s["attributes"]} for urn, s in SCHEMAS.items()
}
EXTENSIONS = (ENTERPRISE_USER, ROSTER_USER)


def sub_attrs(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"].lower(): a for a in definition.get("subAttributes", [])}


def schema_documents(base_url: str) -> list[dict[str, Any]]:
    return [
        {**s, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
         "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{urn}"}}
        for urn, s in SCHEMAS.items()
    ]


def resource_type_documents(base_url: str) -> list[dict[str, Any]]:
    return [{
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": CORE_USER,
        "schemaExtensions": [
            {"schema": ENTERPRISE_USER, "required": False},
            {"schema": ROSTER_USER, "required": False},
        ],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/User"},
    }]


def service_provider_config(base_url: str, *, max_results: int, bulk_max_ops: int,
                            bulk_max_payload: int) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://example.invalid/roster-tui",
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": bulk_max_ops, "maxPayloadSize": bulk_max_payload},
        "filter": {"supported": True, "maxResults": max_results},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "Authorization: Bearer <token>; see `roster serve --help`.",
            "primary": True,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url}/ServiceProviderConfig"},
    }
