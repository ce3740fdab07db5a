"""The ``attributes`` / ``excludedAttributes`` parameters (RFC 7644 §3.4.2.5) applied to a resource dict."""

from __future__ import annotations

from typing import Any

from roster_tui.core.scim import CORE_USER
from roster_tui.server.filters import AttrPath, parse_attribute_list
from roster_tui.server.resource import canonical_urn

ALWAYS = ("id", "schemas")
WHOLE = ""  # AttrPath.attr naming a whole extension object


def parse_projection(text: str, param: str) -> list[AttrPath]:
    """An ``attributes``/``excludedAttributes`` list; a bare extension URN names the whole extension."""
    paths: list[AttrPath] = []
    rest: list[str] = []
    for token in text.split(","):
        urn = canonical_urn(token.strip())
        if urn is not None and urn != CORE_USER:
            paths.append(AttrPath(urn, WHOLE))
        elif token.strip():
            rest.append(token)
    return paths + (parse_attribute_list(",".join(rest), param) if rest else [])


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
            if path.attr == WHOLE:
                if path.urn in resource:
                    out[path.urn] = resource[path.urn]
                continue
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
    out = dict(resource)  # copy only what is changed below
    for path in excluded or []:
        if path.urn is None and path.attr in ALWAYS:
            continue
        if path.attr == WHOLE:
            out.pop(path.urn, None)
            continue
        if path.urn is not None and path.urn in out:
            out[path.urn] = dict(out[path.urn])
        container = _container(out, path.urn)
        if not isinstance(container, dict) or path.attr not in container:
            continue
        if path.sub is None:
            del container[path.attr]
            continue
        value = container[path.attr]
        if isinstance(value, list):
            container[path.attr] = [{k: v for k, v in i.items() if k != path.sub} if isinstance(i, dict) else i
                                    for i in value]
        elif isinstance(value, dict):
            container[path.attr] = {k: v for k, v in value.items() if k != path.sub}
    return out
