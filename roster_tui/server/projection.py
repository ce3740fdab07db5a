"""The ``attributes`` / ``excludedAttributes`` parameters (RFC 7644 §3.4.2.5) applied to a resource dict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from roster_tui.core.scim import CORE_USER
from roster_tui.server.filters import AttrPath, parse_attribute_list
from roster_tui.server.resource import canonical_urn

ALWAYS = ("id", "schemas")
WHOLE = ""  # AttrPath.attr naming a whole extension object


def parse_projection(text: str, param: str, core: str = CORE_USER) -> list[AttrPath]:
    """An ``attributes``/``excludedAttributes`` list; a bare extension URN names the whole extension (the
    resource type's core schema is ``core``; only Users have extensions)."""
    paths: list[AttrPath] = []
    rest: list[str] = []
    for token in text.split(","):
        urn = canonical_urn(token.strip()) if core == CORE_USER else None
        if urn is not None and urn != CORE_USER:
            paths.append(AttrPath(urn, WHOLE))
        elif token.strip():
            rest.append(token)
    return paths + (parse_attribute_list(",".join(rest), param, core) if rest else [])


def _container(resource: dict[str, Any], urn: str | None, create: dict[str, Any] | None = None) -> Any:
    if urn is None or urn == CORE_USER:
        return resource if create is None else create
    if create is None:
        return resource.get(urn)
    return create.setdefault(urn, {})


@dataclass(frozen=True)
class _Selection:
    """An ``attributes`` list sorted once: core names, whole extensions, extension names, sub-attributes."""

    core: tuple[str, ...]
    whole: tuple[str, ...]
    extension: tuple[tuple[str, tuple[str, ...]], ...]
    subs: tuple[AttrPath, ...]


def _selection(attributes: list[AttrPath]) -> _Selection:
    core, whole, extension, subs = list(ALWAYS), [], {}, []
    for path in attributes:
        if path.attr == WHOLE:
            whole.append(path.urn)
        elif path.sub is not None:
            subs.append(path)
        elif path.urn is None or path.urn == CORE_USER:
            core.append(path.attr)
        else:
            extension.setdefault(path.urn, []).append(path.attr)
    return _Selection(tuple(core), tuple(whole), tuple((u, tuple(a)) for u, a in extension.items()), tuple(subs))


def projector(attributes: list[Any] | None, excluded: list[Any] | None,
              ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function keeping only ``attributes`` (plus those always returned) of a resource, or dropping
    ``excluded``; prepared once for many resources (a page)."""
    if attributes:
        return partial(_keep, _selection(attributes))
    return partial(_drop, excluded or [])


def _keep(chosen: _Selection, resource: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: resource[k] for k in chosen.core if k in resource}
    for urn in chosen.whole:
        if urn in resource:
            out[urn] = resource[urn]
    for urn, names in chosen.extension:
        source = resource.get(urn)
        if isinstance(source, dict) and out.get(urn) is not source:  # not already there whole
            picked = {a: source[a] for a in names if a in source}
            if picked:
                out.setdefault(urn, {}).update(picked)
    for path in chosen.subs:
        source = _container(resource, path.urn)
        if not isinstance(source, dict) or path.attr not in source:
            continue
        value = source[path.attr]
        target = _container(resource, path.urn, out)
        if isinstance(value, list):
            picked_items = [{path.sub: v[path.sub]} for v in value if isinstance(v, dict) and path.sub in v]
            existing = target.get(path.attr)
            if isinstance(existing, list) and len(existing) == len(picked_items):
                for e, p in zip(existing, picked_items, strict=True):
                    e.update(p)
            elif picked_items:
                target[path.attr] = picked_items
        elif isinstance(value, dict) and path.sub in value:
            target.setdefault(path.attr, {})[path.sub] = value[path.sub]
    return out


def _drop(excluded: list[Any], resource: dict[str, Any]) -> dict[str, Any]:
    out = dict(resource)  # copy only what is changed below
    for path in excluded:
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
