"""/Bulk (RFC 7644 §3.7): many operations in one request, each in its own savepoint, bulkId references."""

from __future__ import annotations

from typing import Any

from roster_tui.core.scim import BULK_REQUEST, BULK_RESPONSE
from roster_tui.server import groups, service
from roster_tui.server.errors import ScimError, from_storage, invalid_syntax, invalid_value, require_schema
from roster_tui.server.storage.base import Writer
from roster_tui.server.storage.errors import DatabaseFault, StorageError

#: The members whose string values may be references to a resource created earlier in the request
#: (``"value": "bulkId:x"``, as RFC 7644 §3.7.2 shows them), besides an operation's ``path``.
_REFERENCES = frozenset(("value", "$ref"))


def _reference(text: str, ids: dict[str, str]) -> str:
    """The id a ``bulkId:x`` reference stands for; other text as it is."""
    if not text.startswith("bulkId:"):
        return text
    key = text[7:]
    if key not in ids:
        raise invalid_value(f"bulkId '{key}' is not defined by an earlier operation that succeeded")
    return ids[key]


def _resolve(value: Any, ids: dict[str, str], key: str | None = None) -> Any:
    """``value`` with each reference (a ``bulkId:x`` string as a ``value`` or ``$ref``) replaced by its id;
    text elsewhere is data, whatever it starts with."""
    if isinstance(value, str):
        return _reference(value, ids) if key is not None and key.lower() in _REFERENCES else value
    if isinstance(value, dict):
        return {k: _resolve(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids, key) for v in value]
    return value


def _check_bulk_ids(operations: list[Any]) -> None:
    """Each ``bulkId`` a non-empty string, used by one operation only: otherwise a reference is ambiguous."""
    first: dict[str, int] = {}
    for number, operation in enumerate(operations, 1):
        if not isinstance(operation, dict) or "bulkId" not in operation:
            continue
        bulk_id = operation["bulkId"]
        if not isinstance(bulk_id, str) or not bulk_id:
            raise invalid_value(f"operation {number}: bulkId must be a non-empty string")
        if bulk_id in first:
            raise invalid_value(f"bulkId '{bulk_id}' is given to operations {first[bulk_id]} and {number}; "
                                "each operation needs its own")
        first[bulk_id] = number


#: What each method does to each resource type: (create, replace, patch, delete).
_WRITES = {
    "Users": (service.create_user, service.replace_user, service.patch_user, service.delete_user),
    "Groups": (groups.create_group, groups.replace_group, groups.patch_group, groups.delete_group),
}


def _target(method: str, path: str, ids: dict[str, str]) -> tuple[str, str | None]:
    """The resource type and id (None for POST) that an operation's ``path`` names."""
    parts = path.strip("/").split("/")
    if method == "POST":
        if len(parts) != 1 or parts[0] not in _WRITES:
            raise invalid_value(f"POST path '{path}' must be /Users or /Groups")
        return parts[0], None
    if len(parts) != 2 or parts[0] not in _WRITES or not parts[1]:
        raise invalid_value(f"path '{path}' must be /Users/<id> or /Groups/<id>")
    return parts[0], _reference(parts[1], ids)


def run_bulk(writer: Writer, body: Any, base_url: str, max_operations: int) -> dict[str, Any]:
    """Run a BulkRequest in the writer's transaction (one savepoint per operation); returns the BulkResponse.

    An operation's error is its own (the others go on) unless the database failed: then the whole request
    fails and nothing of it is kept.
    """
    body = require_schema(body, BULK_REQUEST)
    operations = body.get("Operations")
    if not isinstance(operations, list):
        raise invalid_syntax("'Operations' must be a list")
    if len(operations) > max_operations:
        raise ScimError(413, f"{len(operations)} operations exceed maxOperations {max_operations}")
    _check_bulk_ids(operations)
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (not isinstance(fail_on_errors, int) or fail_on_errors < 1):
        raise invalid_value("failOnErrors must be a positive integer")
    with writer.records_only():  # the response names each resource's location and version, not its groups
        return _run(writer, operations, fail_on_errors, base_url)


def _run(writer: Writer, operations: list[Any], fail_on_errors: int | None, base_url: str) -> dict[str, Any]:
    ids: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    errors = 0
    for operation in operations:
        if fail_on_errors and errors >= fail_on_errors:
            break
        result: dict[str, Any] = {}
        try:
            if not isinstance(operation, dict):
                raise invalid_syntax("each operation must be an object")
            method = str(operation.get("method", "")).upper()
            path = str(operation.get("path", ""))
            bulk_id = operation.get("bulkId")
            result = {"method": method, **({"bulkId": bulk_id} if bulk_id else {})}
            version = service.parse_if_match(operation.get("version"))
            data = _resolve(operation.get("data"), ids)
            if method not in ("POST", "PUT", "PATCH", "DELETE"):
                raise invalid_value(f"unknown method '{method}'")
            kind, id = _target(method, path, ids)
            create, replace, patch, delete = _WRITES[kind]
            with writer.savepoint():
                if method == "POST":
                    if not bulk_id:
                        raise invalid_value("POST operations need a bulkId")
                    rec = create(writer, data)
                    ids[bulk_id] = rec.id
                    status = "201"
                elif method in ("PUT", "PATCH"):
                    rec = (replace if method == "PUT" else patch)(writer, id, data, version)
                    status = "200"
                else:
                    delete(writer, id, version)
                    rec, status = None, "204"
            result["location"] = f"{base_url}/{kind}/{rec.id if rec is not None else id}"
            if rec is not None:
                result["version"] = rec.etag
            result["status"] = status
        except (ScimError, StorageError) as exc:
            if isinstance(exc, DatabaseFault):  # the transaction is lost: the whole request fails
                raise
            error = from_storage(exc) if isinstance(exc, StorageError) else exc
            errors += 1
            result.update(status=str(error.status), response=error.body())
        results.append(result)
    return {"schemas": [BULK_RESPONSE], "Operations": results}
