"""How many users hold each value of a roster attribute (the console's frequency view).

The roster service counts them all (``GET /Users/.values``, announced by its schema in ``/Schemas``); on another
SCIM server, which counts nothing, the first :data:`SAMPLE` users are fetched and counted here, and the answer
says so (``sampled``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from roster_tui.core.facets import BLANK, FACETS, Facet, status_text
from roster_tui.core.scim import ENTERPRISE_USER, user_from_scim

if TYPE_CHECKING:
    from roster_tui.scim.client import RosterClient

SAMPLE = 5000  # users counted on a server that does not count values


@dataclass(frozen=True)
class ValueCount:
    """One value: what a filter compares (None: absent or empty), how it is shown, and how many users hold it."""

    value: str | bool | None
    shown: str
    count: int


@dataclass(frozen=True)
class ValueCounts:
    """The values of ``facet`` among ``total_users`` users, most frequent first; ``more``: values left off;
    ``sampled``: counted here over that many users (the server does not count values), else None."""

    facet: Facet
    total_users: int
    values: tuple[ValueCount, ...]
    more: int = 0
    sampled: int | None = None


def from_answer(facet: Facet, body: dict[str, Any]) -> ValueCounts:
    """The service's answer (``/Users/.values``) as :class:`ValueCounts`."""
    values = []
    for entry in body.get("values") or []:
        if not isinstance(entry, dict):
            continue
        value = entry.get("value")
        shown = entry.get("display")
        shown = str(shown) if shown is not None else (BLANK if value is None else str(value))
        values.append(ValueCount(value, shown, int(entry.get("count") or 0)))
    return ValueCounts(facet, int(body.get("totalUsers") or 0), tuple(values), int(body.get("moreValues") or 0))


def _values_of(facet: Facet, resource: dict[str, Any]) -> list[tuple[str | bool | None, str]]:
    """The (value, shown) pairs a user holds for ``facet``: one, or each of its groups; (None, BLANK) if none."""
    if facet.name == "group":
        found = [(str(g["value"]), str(g.get("display") or g["value"])) for g in resource.get("groups") or []
                 if isinstance(g, dict) and g.get("value")]
        return found or [(None, BLANK)]
    if facet.name == "status":
        active = resource.get("active", True) is not False
        return [(active, status_text(active))]
    if facet.name == "manager":
        manager = (resource.get(ENTERPRISE_USER) or {}).get("manager")
        if isinstance(manager, dict) and manager.get("value"):
            return [(str(manager["value"]), str(manager.get("displayName") or manager["value"]))]
        return [(None, BLANK)]
    text = getattr(user_from_scim(resource), facet.name)
    return [(text, text)] if text and text.strip() else [(None, BLANK)]


def count_resources(facet: Facet, resources: list[dict[str, Any]], sampled: int | None = None) -> ValueCounts:
    """Count the values of ``facet`` over ``resources`` (strings case-insensitively, as ``eq`` compares them)."""
    counts: dict[object, list[Any]] = {}  # key -> [value, shown, count]
    for resource in resources:
        for value, shown in _values_of(facet, resource):
            key = value.casefold() if isinstance(value, str) and facet.name not in ("group", "manager") else value
            entry = counts.setdefault(key, [value, shown, 0])
            entry[2] += 1
    values = sorted((ValueCount(*e) for e in counts.values()), key=lambda v: (-v.count, v.shown.casefold()))
    return ValueCounts(facet, len(resources), tuple(values), sampled=sampled)


async def count_values(client: RosterClient, name: str, filter: str | None = None,
                       sample: int = SAMPLE) -> ValueCounts:
    """The values of the roster attribute ``name`` among the users of ``filter``: counted by the server when it
    can (all of them), else here over the first ``sample`` users."""
    facet = FACETS[name]
    if (await client.features()).value_counts:
        return from_answer(facet, await client.value_counts(name, filter=filter))
    attribute = "groups" if facet.name == "group" else facet.path.removesuffix(".value")
    resources: list[dict[str, Any]] = []
    async for page in client.iter_pages(filter=filter, page_size=min(1000, sample), attributes=[attribute]):
        resources.extend(page.resources[:sample - len(resources)])
        if len(resources) >= sample:
            break
    return count_resources(facet, resources, sampled=len(resources))
