"""The ``attributes`` / ``excludedAttributes`` parameters (RFC 7644 §3.4.2.5) applied to a resource dict."""

from __future__ import annotations

import copy
from typing import Any

from roster_tui.core.scim import CORE_USER

ALWAYS = ("id", "schemas")


def _container(resource: dict[str, Any], urn: str | None, create: dict[str, Any] | None = None) -> Any:
    if urn is None or urn == CORE_USER:
        return resource if create is None else create
    if create is None:
        return resource.get(urn)
    return create.setdefault(urn, {})


def project(resource: dict[str, Any], attributes: list[Any] | None, excluded: list[Any] | None,
            ) -> dict[str, Any]:
    """Keep only ``attributes`` (plus those always returned), or drop ``excluded``."""
    if attributes:
        out: dict[str, Any] = {k: resource[k] for k in ALWAYS if k in resource}
        for path in attributes:
            source = _container(resource, path.urn)
            if not isinstance(source, dict) or path.attr not in source:
                continue
            value = source[path.attr]
            target = _container(resource, path.urn, out)
            if path.sub is None:
                target[path.attr] = value
            elif isinstance(value, list):
                picked = [{path.sub: v[path.sub]} for v in value if isinstance(v, dict) and path.sub in v]
                existing = target.get(path.attr)
                if isinstance(existing, list) and len(existing) == len(picked):
                    for e, p in zip(existing, picked, strict=True):
                        e.update(p)
                elif picked:
                    target[path.attr] = picked
            elif isinstance(value, dict) and path.sub in value:
                target.setdefault(path.attr, {})[path.sub] = value[path.sub]
        return out
    out = copy.deepcopy(resource)
    for path in excluded or []:
        if path.urn is None and path.attr in ALWAYS:
            continue
        container = _container(out, path.urn)
        if not isinstance(container, dict) or path.attr not in container:
            continue
        if path.sub is None:
            del container[path.attr]
            continue
        value = container[path.attr]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item.pop(path.sub, None)
    return out
