"""SCIM errors raised inside the service and rendered as RFC 7644 §3.12 error bodies."""

from __future__ import annotations

from roster_tui.server.storage.errors import (
    DatabaseFault,
    DatabaseFull,
    GroupNotFound,
    NotFilterable,
    NotSortable,
    NotUnique,
    StorageError,
    UnknownMembers,
    Unstorable,
    UserNotFound,
    VersionMismatch,
)


class ScimError(Exception):
    """An error the client should see, with its HTTP status and optional ``scimType``."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None, retry_after: int | None = None,
                 ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type
        #: Seconds after which the same request may succeed (sent as ``Retry-After``); None: it will not.
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            out["scimType"] = self.scim_type
        return out


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def no_target(detail: str) -> ScimError:
    return ScimError(400, detail, "noTarget")


def mutability(detail: str) -> ScimError:
    return ScimError(400, detail, "mutability")


def uniqueness(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")


def not_found(detail: str) -> ScimError:
    return ScimError(404, detail)


def precondition_failed(detail: str) -> ScimError:
    return ScimError(412, detail)


#: The status and scimType a client gets for each refusal of the storage; the detail is the refusal's own.
_STORAGE_ERRORS: tuple[tuple[type[StorageError], int, str | None], ...] = (
    (UserNotFound, 404, None),
    (GroupNotFound, 404, None),
    (UnknownMembers, 400, "invalidValue"),
    (VersionMismatch, 412, None),
    (NotUnique, 409, "uniqueness"),
    (NotFilterable, 400, "invalidFilter"),
    (NotSortable, 400, "invalidValue"),
    (Unstorable, 400, "invalidValue"),
    (DatabaseFull, 507, None),
)
INTERNAL = "internal error; the service log has the details"


def from_storage(exc: StorageError) -> ScimError:
    """The SCIM error for what the storage refused (for endpoints and for each /Bulk operation alike).

    A database fault is a 503 with ``Retry-After`` when retrying can help (busy, unreachable), else a 500 (or
    507: a full disk) that says what an operator must fix.
    """
    for kind, status, scim_type in _STORAGE_ERRORS:
        if isinstance(exc, kind):
            return ScimError(status, str(exc), scim_type)
    if isinstance(exc, DatabaseFault):
        return ScimError(503, str(exc), retry_after=1) if exc.retry else ScimError(500, str(exc))
    return ScimError(500, INTERNAL)


def require_schema(body: object, urn: str) -> dict[str, object]:
    """``body`` as a message object whose ``schemas`` list names ``urn``, or an invalidSyntax error."""
    schemas = body.get("schemas") if isinstance(body, dict) else None
    if not isinstance(schemas, list) or urn not in schemas:
        raise invalid_syntax(f"the body must be a JSON object with \"schemas\": [\"{urn}\"]")
    return body  # type: ignore[return-value]
