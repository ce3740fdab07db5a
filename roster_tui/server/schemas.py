"""The schemas the roster API publishes (RFC 7643 §7) and validates every write against."""

from __future__ import annotations

from typing import Any

from roster_tui.core.access import ACCESS, ACCESS_ENDPOINT, ACCESS_ROLES
from roster_tui.core.changes import CHANGE, CHANGES_ENDPOINT, DONE, KINDS, OPEN, STOPPED
from roster_tui.core.facets import FACETS, MAX_VALUES, VALUE_COUNTS, VALUES_ENDPOINT
from roster_tui.core.models import ADMIN_ROLES, AssignmentStatus
from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, ROSTER_USER

MAX_STRING = 256
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


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


def multi_complex(name: str, description: str, types: tuple[str, ...] | None = None, *,
                  value: dict[str, Any] | None = None) -> dict[str, Any]:
    """A multi-valued complex attribute of RFC 7643 §4.1.2's form: value, display, type, primary."""
    return attr(name, "complex", multi=True, description=description, sub=[
        value or attr("value"),
        attr("display"),
        attr("type", canonical=types),
        attr("primary", "boolean"),
    ])


USER_ATTRIBUTES = [
    attr("userName", required=True, uniqueness="server",
         description="Unique login name; the roster uses the user's email."),
    attr("name", "complex", required=True, description="The user's name.", sub=[
        attr("formatted"),
        attr("familyName", required=True, description="Last name."),
        attr("givenName", required=True, description="First name."),
        attr("middleName"),
        attr("honorificPrefix"),
        attr("honorificSuffix"),
    ]),
    attr("displayName"),
    attr("nickName"),
    attr("profileUrl", "reference", reference_types=["external"]),
    attr("title"),
    attr("userType"),
    attr("preferredLanguage", description="Preferred language, e.g. en-US (RFC 7231 Accept-Language)."),
    attr("locale", description="Locale, e.g. en-US."),
    attr("timezone", description="Time zone in the IANA database, e.g. America/Los_Angeles."),
    attr("active", "boolean", description="Active users can be assigned training."),
    attr("password", mutability="writeOnly", returned="never",
         description="Accepted and discarded: the roster stores no passwords."),
    attr("emails", "complex", multi=True, required=True, description="Email addresses; the primary work "
         "email is the roster email.", sub=[
        attr("value", required=True),
        attr("display"),
        attr("type", canonical=("work", "home", "other")),
        attr("primary", "boolean"),
    ]),
    multi_complex("phoneNumbers", "Phone numbers.", ("work", "home", "mobile", "fax", "pager", "other")),
    multi_complex("ims", "Instant messaging addresses.",
                  ("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
    multi_complex("photos", "URLs of photos of the user.", ("photo", "thumbnail"),
                  value=attr("value", "reference", reference_types=["external"])),
    attr("addresses", "complex", multi=True, description="Physical mailing addresses.", sub=[
        attr("formatted"),
        attr("streetAddress"),
        attr("locality"),
        attr("region"),
        attr("postalCode"),
        attr("country", description="ISO 3166-1 alpha-2 country code."),
        attr("type", canonical=("work", "home", "other")),
        attr("primary", "boolean"),
    ]),
    attr("groups", "complex", multi=True, mutability="readOnly",
         description="The groups the user is a member of (RFC 7643 §4.1.2), kept through /Groups; ignored on input.",
         sub=[
        attr("value", mutability="readOnly", case_exact=True, description="id of the group"),
        attr("$ref", "reference", mutability="readOnly", case_exact=True, reference_types=["Group"]),
        attr("display", mutability="readOnly", description="displayName of the group"),
        attr("type", mutability="readOnly", canonical=("direct", "indirect"),
             description="direct: the roster's groups do not nest"),
    ]),
    multi_complex("entitlements", "Entitlements."),
    multi_complex("roles", "Admin roles; empty means not an admin.",
                  value=attr("value", required=True, canonical=ADMIN_ROLES)),
    multi_complex("x509Certificates", "X.509 certificates (DER, base64).",
                  value=attr("value", "binary")),
]

ENTERPRISE_ATTRIBUTES = [
    attr("employeeNumber", uniqueness="server", description="Employee ID."),
    attr("costCenter"),
    attr("organization"),
    attr("division"),
    attr("department"),
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

GROUP_ATTRIBUTES = [
    attr("displayName", required=True, uniqueness="server",
         description="The group's name; unique, compared case-insensitively."),
    attr("members", "complex", multi=True, description="The users in the group; groups do not nest.", sub=[
        attr("value", mutability="immutable", case_exact=True, description="id of a user of the roster"),
        attr("$ref", "reference", mutability="immutable", case_exact=True, reference_types=["User"]),
        attr("type", mutability="immutable", canonical=("User",)),
        attr("display", mutability="readOnly", description="displayName of the user, if it has one"),
    ]),
]

SCHEMAS: dict[str, dict[str, Any]] = {
    CORE_USER: {"id": CORE_USER, "name": "User", "description": "User Account", "attributes": USER_ATTRIBUTES},
    ENTERPRISE_USER: {"id": ENTERPRISE_USER, "name": "EnterpriseUser", "description": "Enterprise User",
                      "attributes": ENTERPRISE_ATTRIBUTES},
    ROSTER_USER: {"id": ROSTER_USER, "name": "RosterUser",
                  "description": "Training roster fields of a user", "attributes": ROSTER_ATTRIBUTES},
    CORE_GROUP: {"id": CORE_GROUP, "name": "Group", "description": "Group", "attributes": GROUP_ATTRIBUTES},
}

#: Attribute definitions by lower-cased name, per schema URN (SCIM names are case-insensitive).
ATTRS_BY_SCHEMA: dict[str, dict[str, dict[str, Any]]] = {
    urn: {a["name"].lower(): a for a in s["attributes"]} for urn, s in SCHEMAS.items()
}
EXTENSIONS = (ENTERPRISE_USER, ROSTER_USER)


def sub_attrs(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"].lower(): a for a in definition.get("subAttributes", [])}


#: The answer of ``GET /Users/.values`` (values_api.py), a message like RFC 7644's ListResponse: published in
#: /Schemas so that a client knows the service counts values (ServiceProviderConfig takes no extensions).
VALUE_COUNTS_SCHEMA = {
    "id": VALUE_COUNTS, "name": "ValueCounts",
    "description": f"GET {VALUES_ENDPOINT}?attribute=NAME[&filter=F][&count=N]: how many users hold each value of "
                   f"an attribute, at most {MAX_VALUES} values, most frequent first (a roster extension)",
    "attributes": [
        attr("attribute", mutability="readOnly", canonical=tuple(FACETS)),
        attr("path", mutability="readOnly", description="the SCIM path a filter on a value compares"),
        *(attr(n, "integer", mutability="readOnly") for n in ("totalUsers", "totalValues", "moreValues")),
        attr("values", "complex", multi=True, mutability="readOnly", sub=[
            attr("value", mutability="readOnly", description="compared by a filter; null: absent or empty"),
            attr("display", mutability="readOnly"), attr("count", "integer", mutability="readOnly")]),
    ],
}


#: A change of the journal (changes_api.py): published in /Schemas so that a client knows the service keeps one.
CHANGE_SCHEMA = {
    "id": CHANGE, "name": "Change",
    "description": f"{CHANGES_ENDPOINT}: each import, removal or undo applied as one change, its writes and the "
                   "documents before them (a roster extension)",
    "attributes": [
        attr("id", "integer", mutability="readOnly"),
        attr("kind", canonical=KINDS), attr("status", canonical=(OPEN, DONE, STOPPED)),
        *(attr(n, "dateTime", mutability="readOnly") for n in ("opened", "closed")),
        attr("token", mutability="readOnly", description="the name of the token that opened it"),
        *(attr(n, "complex") for n in ("source", "counts", "outcome", "plan")),
        attr("undoes", "integer"),
    ],
}


#: The answer of ``GET /Access`` (access_api.py): who the token acts as and its role.
ACCESS_SCHEMA = {
    "id": ACCESS, "name": "Access",
    "description": f"GET {ACCESS_ENDPOINT}: the name the request's token acts as (the audit trail's) and its access "
                   "role (a roster extension)",
    "attributes": [attr("name", mutability="readOnly"),
                   attr("role", mutability="readOnly", canonical=ACCESS_ROLES)],
}


def schema_documents(base_url: str) -> list[dict[str, Any]]:
    return [
        {**s, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
         "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{urn}"}}
        for urn, s in {**SCHEMAS, VALUE_COUNTS: VALUE_COUNTS_SCHEMA, CHANGE: CHANGE_SCHEMA,
                               ACCESS: ACCESS_SCHEMA}.items()
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
    }, {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Group",
        "schema": CORE_GROUP,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/Group"},
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
