"""What a SCIM server says it supports, read once per connection from its discovery endpoints
(``/ServiceProviderConfig``, ``/Schemas``, ``/ResourceTypes``), so each feature can step aside on a server that
lacks it instead of failing a whole screen.

A server that does not answer discovery is taken to support everything: the requests then say for themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roster_tui.core.access import ACCESS
from roster_tui.core.changes import CHANGE
from roster_tui.core.facets import VALUE_COUNTS
from roster_tui.core.scim import CORE_USER, FIELD_PATHS

#: Roster fields and the schema that holds each (core fields are on every server).
_SCHEMA_OF = {name: path.rsplit(":", 1)[0] for name, path in FIELD_PATHS.items() if path.startswith("urn:")}


@dataclass(frozen=True)
class Features:
    """A server's features. ``known`` False: discovery did not answer, and every feature is assumed."""

    known: bool = False
    patch: bool = True
    bulk: bool = False
    bulk_max_operations: int = 0
    bulk_max_payload: int = 0
    sort: bool = True
    etag: bool = True
    filter: bool = True
    max_results: int = 0
    #: attribute names (lower case) per schema URN, and the sub-attributes as ``attr.sub``
    attributes: dict[str, frozenset[str]] = field(default_factory=dict)
    role_catalog: tuple[str, ...] = ()
    #: the roster service's ``GET /Users/.values`` (its answer's schema is published): never assumed
    value_counts: bool = False
    #: the roster service's change journal (``/Changes``; its message schema is published): never assumed
    changes: bool = False
    #: the roster service's ``GET /Access`` (who the token acts as, its role; its schema is published)
    access: bool = False

    def has_schema(self, urn: str) -> bool:
        return not self.known or urn == CORE_USER or urn in self.attributes

    def has_field(self, name: str) -> bool:
        """Whether the server keeps the roster field ``name`` (``email``, ``hire_date``, ``manager_id``...)."""
        name = "manager" if name == "manager_id" else name
        path = FIELD_PATHS.get(name)
        if not self.known or path is None or name in ("status", "email"):
            return True
        urn = _SCHEMA_OF.get(name, CORE_USER)
        attribute = path[len(urn) + 1:] if name in _SCHEMA_OF else path
        known = self.attributes.get(urn)
        if known is None:  # an extension the server does not publish (the core is taken as there)
            return urn == CORE_USER
        top = attribute.split(".", 1)[0].lower()
        return top in known or attribute.lower() in known

    def kept_fields(self) -> frozenset[str]:
        """The roster fields the server keeps, worked out once (``in`` on it is as :meth:`has_field`)."""
        return frozenset(name for name in (*FIELD_PATHS, "manager_id") if self.has_field(name))

    def unavailable(self, names: list[str]) -> list[str]:
        """The fields of ``names`` the server does not keep, in that order."""
        return [n for n in names if not self.has_field(n)]


def _attributes(schemas: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for schema in schemas:
        names: set[str] = set()
        for attr in schema.get("attributes") or []:
            if not isinstance(attr, dict) or not attr.get("name"):
                continue
            top = str(attr["name"]).lower()
            names.add(top)
            names.update(f"{top}.{str(s.get('name', '')).lower()}" for s in attr.get("subAttributes") or []
                         if isinstance(s, dict))
        if schema.get("id"):
            out[str(schema["id"])] = frozenset(names)
    return out


def _catalog(schemas: list[dict[str, Any]]) -> tuple[str, ...]:
    """The admin roles a server offers: ``canonicalValues`` of core User ``roles.value``."""
    for schema in schemas:
        if schema.get("id") != CORE_USER:
            continue
        for attr in schema.get("attributes") or []:
            if str(attr.get("name", "")).lower() != "roles":
                continue
            for sub in attr.get("subAttributes") or []:
                if str(sub.get("name", "")).lower() == "value":
                    return tuple(str(v) for v in sub.get("canonicalValues") or [])
    return ()


def _supported(config: dict[str, Any], name: str, default: bool) -> bool:
    feature = config.get(name)
    return bool(feature.get("supported")) if isinstance(feature, dict) else default


def features_from(config: dict[str, Any] | None, schemas: list[dict[str, Any]] | None,
                  resource_types: list[dict[str, Any]] | None) -> Features:
    """The features of a server from its discovery answers (None: that endpoint did not answer)."""
    if config is None and schemas is None:
        return Features()
    config = config if isinstance(config, dict) else {}
    bulk = config.get("bulk") if isinstance(config.get("bulk"), dict) else {}
    attributes = _attributes(schemas) if schemas is not None else {}
    if schemas is not None and resource_types:  # an extension counts only when the User type lists it
        user_type = next((t for t in resource_types if str(t.get("name", "")).lower() == "user"), None)
        if user_type is not None:
            listed = {str(e.get("schema")) for e in user_type.get("schemaExtensions") or [] if isinstance(e, dict)}
            attributes = {urn: names for urn, names in attributes.items()
                          if urn in listed or not urn.startswith("urn:") or urn == CORE_USER
                          or not urn.endswith(":User")}
    return Features(
        known=schemas is not None,
        patch=_supported(config, "patch", True),
        bulk=_supported(config, "bulk", False),
        bulk_max_operations=int(bulk.get("maxOperations") or 0),
        bulk_max_payload=int(bulk.get("maxPayloadSize") or 0),
        sort=_supported(config, "sort", True),
        etag=_supported(config, "etag", True),
        filter=_supported(config, "filter", True),
        max_results=int((config.get("filter") or {}).get("maxResults") or 0)
        if isinstance(config.get("filter"), dict) else 0,
        attributes=attributes,
        role_catalog=_catalog(schemas or []),
        value_counts=any(isinstance(s, dict) and s.get("id") == VALUE_COUNTS for s in schemas or []),
        changes=any(isinstance(s, dict) and s.get("id") == CHANGE for s in schemas or []),
        access=any(isinstance(s, dict) and s.get("id") == ACCESS for s in schemas or []),
    )
