"""The PatchOp request (RFC 7644 §3.5.2) as Users and Groups both take it: its envelope and each operation checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from roster_tui.core.scim import PATCH_OP
from roster_tui.server.errors import invalid_path, invalid_syntax, invalid_value, no_target


@dataclass(frozen=True, slots=True)
class Operation:
    """One checked operation: ``op`` lower-cased; ``path`` None when absent or empty (then ``value`` is a dict)."""

    op: str
    path: str | None
    value: Any
    has_value: bool


def operations(body: Any) -> Iterator[Operation]:
    """The operations of a PatchOp request ``body``, each checked before it is handed on."""
    if not isinstance(body, dict):
        raise invalid_syntax("the request body must be a JSON object")
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise invalid_syntax(f"'schemas' must be [\"{PATCH_OP}\"]")
    found = body.get("Operations", body.get("operations"))
    if not isinstance(found, list) or not found:
        raise invalid_syntax("'Operations' must be a non-empty list")
    for operation in found:
        if not isinstance(operation, dict):
            raise invalid_syntax("each operation must be an object")
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise invalid_syntax(f"unknown op '{operation.get('op')}': use add, replace or remove")
        path, value = operation.get("path"), operation.get("value")
        if path is None or path == "":
            if op == "remove":
                raise no_target("remove needs a path")
            if not isinstance(value, dict):
                raise invalid_value(f"{op} without a path needs an object value")
            yield Operation(op, None, value, True)
            continue
        if not isinstance(path, str):
            raise invalid_path("path must be a string")
        if op != "remove" and "value" not in operation:
            raise invalid_value(f"{op} needs a value")
        yield Operation(op, path, value, "value" in operation)
