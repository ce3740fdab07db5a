"""What the storage reads from a canonical SCIM User document (its indexed columns) and changes in it."""

from __future__ import annotations

import unicodedata
from typing import Any

from roster_tui.core.scim import ENTERPRISE_USER, ROSTER_USER, primary_email

#: The unique columns and the column holding each one's key.
KEYS = {"user_name": "user_name_key", "email": "email_key", "employee_number": "employee_number_key"}
#: Appended (with the user's id) to the key of a user that was a duplicate under :func:`fold` before keys were
#: kept (migration 6): no value can hold it, so such a user keeps a key of its own until the value changes.
LEGACY = "\x01"


def can_hold(text: str) -> bool:
    """Whether a stored value can be ``text``: none holds a NUL (PostgreSQL refuses one in any query), so a
    lookup by such an id or name finds nothing, on every backend."""
    return "\x00" not in text


def fold(text: str) -> str:
    """The one case-insensitive form of a unique value, the same whatever the backend: Unicode full case folding
    of the compatibility-decomposed text, recomposed (``JÖRG``, ``jörg``, ``jo\u0308rg`` and ``ｊöｒｇ`` fold alike,
    as do ``Σ``/``σ``/``ς``, ``ǅ``/``ǆ``, ``K`` (Kelvin)/``k`` and ``ß``/``SS``)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKD", text).casefold())


def key_range(value: str) -> tuple[str, str]:
    """The keys a value equals under the rule: ``[fold(value), end)``, which holds its key and the keys of the
    duplicates kept from before migration 6 (``key`` + :data:`LEGACY` + id), and nothing else."""
    folded = fold(value)
    return folded, folded + chr(ord(LEGACY) + 1)


def unique_keys(columns: dict[str, Any], changed_from: dict[str, Any] | None = None) -> dict[str, Any]:
    """The key columns of a user's unique values (``columns`` from :func:`extract_columns`). ``changed_from``:
    the columns before an update; only the keys of values that changed are given."""
    return {key: None if columns[name] is None else fold(columns[name]) for name, key in KEYS.items()
            if changed_from is None or changed_from.get(name) != columns[name]}


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
