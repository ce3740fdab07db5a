"""/Bulk (RFC 7644 §3.7): many operations in one request, each in its own savepoint, bulkId references."""

from __future__ import annotations

from typing import Any

from roster_tui.core.scim import BULK_REQUEST, BULK_RESPONSE
from roster_tui.server import service
from roster_tui.server.errors import ScimError, from_storage, invalid_syntax, invalid_value, require_schema
from roster_tui.server.storage.base import Writer
from roster_tui.server.storage.errors import StorageError


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    """Replace ``bulkId:x`` strings with the ids created earlier in this request."""
    if isinstance(value, str) and value.startswith("bulkId:"):
        key = value[7:]
        if key not in ids:
            raise invalid_value(f"bulkId '{key}' is not defined by an earlier operation")
        return ids[key]
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


def _user_id(path: str, ids: dict[str, str]) -> str:
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[0] != "Users" or not parts[1]:
        raise invalid_value(f"path '{path}' must be /Users/<id>")
    return _resolve(parts[1], ids)


def run_bulk(writer: Writer, body: Any, users_url: str, max_operations: int) -> dict[str, Any]:
    """Run a BulkRequest in the writer's transaction (one savepoint per operation); returns the BulkResponse."""
    body = require_schema(body, BULK_REQUEST)
    operations = body.get("Operations")
    if not isinstance(operations, list):
        raise invalid_syntax("'Operations' must be a list")
    if len(operations) > max_operations:
        raise ScimError(413, f"{len(operations)} operations exceed maxOperations {max_operations}")
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (not isinstance(fail_on_errors, int) or fail_on_errors < 1):
        raise invalid_value("failOnErrors must be a positive integer")
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
            with writer.savepoint():
                if method == "POST":
                    if path.strip("/") != "Users":
                        raise invalid_value(f"POST path '{path}' must be /Users")
                    if not bulk_id:
                        raise invalid_value("POST operations need a bulkId")
                    rec = service.create_user(writer, data)
                    ids[str(bulk_id)] = rec.id
                    status = "201"
                elif method in ("PUT", "PATCH"):
                    id = _user_id(path, ids)
                    fn = service.replace_user if method == "PUT" else service.patch_user
                    rec = fn(writer, id, data, version)
                    status = "200"
                elif method == "DELETE":
                    id = _user_id(path, ids)
                    service.delete_user(writer, id, version)
                    rec, status = None, "204"
                else:
                    raise invalid_value(f"unknown method '{method}'")
            if rec is not None:
                result.update(location=f"{users_url}/{rec.id}", version=rec.etag)
            else:
                result["location"] = f"{users_url}/{id}"
            result["status"] = status
        except (ScimError, StorageError) as exc:
            error = from_storage(exc) if isinstance(exc, StorageError) else exc
            errors += 1
            result.update(status=str(error.status), response=error.body())
        results.append(result)
    return {"schemas": [BULK_RESPONSE], "Operations": results}
