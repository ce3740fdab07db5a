"""The roster query in effect (search, filters, sort), and how it maps onto SCIM ``filter``/``sortBy``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from roster_tui.core.facets import FACETS
from roster_tui.core.scim import FIELD_PATHS

#: Fields the quick search looks in (SCIM ``co``, case-insensitive on the server).
SEARCH_PATHS = ("first_name", "last_name", "email", "employee_id")
STATUSES = ("all", "active", "inactive")
DEFAULT_SORT = "last_name"


def scim_string(value: str) -> str:
    """``value`` as a SCIM filter string literal, with ``"`` and ``\\`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class ValueFilter:
    """Only the users holding one value of a roster attribute (:data:`FACETS`), chosen in the frequency view;
    ``value`` None: the users without one."""

    name: str
    value: str | None
    shown: str

    def scim_filter(self) -> str:
        path = FACETS[self.name].path
        return f"not ({path} pr)" if self.value is None else f"{path} eq {scim_string(self.value)}"

    def describe(self) -> str:
        return f"{self.name} (blank)" if self.value is None else f'{self.name} "{self.shown}"'


@dataclass(frozen=True)
class RosterQuery:
    """What the roster table shows: a server-side search, filters and a sort."""

    search: str = ""
    status: str = "all"
    admins_only: bool = False
    department: str = ""
    group: tuple[str, str] | None = None  # (id, name) of the group shown
    values: tuple[ValueFilter, ...] = ()  # values chosen in the frequency view (other than the above)
    sort_field: str = DEFAULT_SORT
    descending: bool = False

    def scim_filter(self) -> str | None:
        """The SCIM filter for this query, or None for the whole roster."""
        parts: list[str] = []
        text = self.search.strip()
        if text:
            literal = scim_string(text)
            parts.append("(" + " or ".join(f"{FIELD_PATHS[f]} co {literal}" for f in SEARCH_PATHS) + ")")
        if self.status == "active":
            parts.append("active eq true")
        elif self.status == "inactive":
            parts.append("active eq false")
        if self.admins_only:
            parts.append("roles pr")
        if self.department.strip():
            parts.append(f"{FIELD_PATHS['department']} eq {scim_string(self.department.strip())}")
        if self.group is not None:
            parts.append(f"groups.value eq {scim_string(self.group[0])}")
        parts.extend(v.scim_filter() for v in self.values)
        return " and ".join(parts) or None

    @property
    def sort_by(self) -> str:
        return FIELD_PATHS[self.sort_field]

    @property
    def sort_order(self) -> str:
        return "descending" if self.descending else "ascending"

    @property
    def is_default(self) -> bool:
        return self == RosterQuery()

    def cycle_status(self) -> RosterQuery:
        return replace(self, status=STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)])

    def without(self, name: str) -> RosterQuery:
        """This query without its filter on the roster attribute ``name`` (the users the frequency view counts)."""
        query = replace(self, values=tuple(v for v in self.values if v.name != name))
        cleared = {"department": {"department": ""}, "status": {"status": "all"}, "group": {"group": None}}
        return replace(query, **cleared.get(name, {}))

    def with_value(self, name: str, value: str | bool | None, shown: str) -> RosterQuery:
        """Only the users whose ``name`` is ``value`` (None: who have none), in place of a filter on ``name``."""
        query = self.without(name)
        if name == "status" and isinstance(value, bool):
            return replace(query, status="active" if value else "inactive")
        if name == "department" and isinstance(value, str) and value.strip() == value:
            return replace(query, department=value)
        if name == "group" and isinstance(value, str):
            return replace(query, group=(value, shown))
        filtered = ValueFilter(name, None if value is None else str(value), shown)
        return replace(query, values=(*query.values, filtered))

    def sorted_by(self, field: str) -> RosterQuery:
        """Sort by ``field``; the same field again flips the order."""
        if field == self.sort_field:
            return replace(self, descending=not self.descending)
        return replace(self, sort_field=field, descending=False)

    def describe(self, sortable: bool = True) -> str:
        """The query in words, for the query bar (``sortable`` False: the server's own order)."""
        parts = [f'search "{self.search.strip()}"'] if self.search.strip() else []
        parts.append(f"status {self.status}")
        if self.admins_only:
            parts.append("admins only")
        if self.department.strip():
            parts.append(f'department "{self.department.strip()}"')
        if self.group is not None:
            parts.append(f'group "{self.group[1]}"')
        parts.extend(v.describe() for v in self.values)
        arrow = "↓" if self.descending else "↑"
        parts.append(f"sort {self.sort_field.replace('_', ' ')} {arrow}" if sortable else "the server's order")
        return " · ".join(parts)
