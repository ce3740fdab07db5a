"""OpenAPI descriptions of the SCIM endpoints' parameters and bodies (served at /openapi.json).

The handlers read requests themselves (SCIM media type, size limits, SCIM errors), so FastAPI cannot infer
these; they are declared here for clients and for schemathesis.
"""

from __future__ import annotations

from typing import Any

from roster_tui.core.scim import BULK_REQUEST, CORE_USER, ENTERPRISE_USER, PATCH_OP, ROSTER_USER, SEARCH_REQUEST
from roster_tui.server.schemas import CORE_GROUP, SCHEMAS

_STRING = {"type": "string"}
_TYPES = {"boolean": "boolean", "integer": "integer", "decimal": "number"}


def _property(definition: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one writable attribute of a published SCIM schema."""
    if definition["type"] == "complex":
        out: dict[str, Any] = {"type": "object", "properties": {
            sub["name"]: _property(sub) for sub in definition["subAttributes"] if sub["mutability"] != "readOnly"}}
    else:
        out = {"type": _TYPES.get(definition["type"], "string")}
        if definition.get("canonicalValues") and definition["name"] == "type":
            out["enum"] = definition["canonicalValues"]
    return {"type": "array", "items": out} if definition["multiValued"] else out


def _writable(urn: str) -> dict[str, Any]:
    return {a["name"]: _property(a) for a in SCHEMAS[urn]["attributes"] if a["mutability"] != "readOnly"}


USER = {
    "type": "object",
    "required": ["userName", "name"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [CORE_USER, ENTERPRISE_USER,
                                                                          ROSTER_USER]}},
        "externalId": _STRING,
        **_writable(CORE_USER),
        ENTERPRISE_USER: {"type": "object", "properties": _writable(ENTERPRISE_USER)},
        ROSTER_USER: {"type": "object", "properties": _writable(ROSTER_USER)},
    },
}
GROUP = {
    "type": "object",
    "required": ["displayName"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [CORE_GROUP]}},
        "displayName": _STRING,
        "externalId": _STRING,
        "members": {"type": "array", "items": {"type": "object", "required": ["value"], "properties": {
            "value": _STRING, "$ref": _STRING, "type": {"type": "string", "enum": ["User"]},
            "display": _STRING}}},
    },
}
PATCH = {
    "type": "object",
    "required": ["schemas", "Operations"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [PATCH_OP]}},
        "Operations": {"type": "array", "items": {"type": "object", "required": ["op"], "properties": {
            "op": {"type": "string", "enum": ["add", "replace", "remove"]},
            "path": _STRING, "value": {}}}},
    },
}
SEARCH = {
    "type": "object",
    "required": ["schemas"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [SEARCH_REQUEST]}},
        "filter": _STRING, "sortBy": _STRING, "sortOrder": {"type": "string"},
        "startIndex": {"type": "integer"}, "count": {"type": "integer"},
        "attributes": {"type": "array", "items": _STRING},
        "excludedAttributes": {"type": "array", "items": _STRING},
    },
}
BULK = {
    "type": "object",
    "required": ["schemas", "Operations"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string", "enum": [BULK_REQUEST]}},
        "failOnErrors": {"type": "integer"},
        "Operations": {"type": "array", "items": {"type": "object", "properties": {
            "method": {"type": "string", "enum": ["POST", "PUT", "PATCH", "DELETE"]},
            "path": _STRING, "bulkId": _STRING, "version": _STRING, "data": {}}}},
    },
}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _header(name: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": _STRING}


PROJECTION = [_query("attributes", _STRING), _query("excludedAttributes", _STRING)]
LIST_PARAMS = [_query("filter", _STRING), _query("sortBy", _STRING),
               _query("sortOrder", {"type": "string", "enum": ["ascending", "descending"]}),
               _query("startIndex", {"type": "integer"}), _query("count", {"type": "integer"}), *PROJECTION]


def body(schema: dict[str, Any], *, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint taking a SCIM JSON body."""
    content = {media: {"schema": schema} for media in ("application/scim+json", "application/json")}
    return {"requestBody": {"required": True, "content": content}, "parameters": params or []}


def params(*items: dict[str, Any]) -> dict[str, Any]:
    return {"parameters": list(items)}


IF_MATCH = _header("If-Match")
IF_NONE_MATCH = _header("If-None-Match")
