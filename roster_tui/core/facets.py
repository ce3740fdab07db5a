"""The roster attributes whose distinct values can be counted (the console's frequency view, the service's
``GET /Users/.values``), shared by the service, the client and the console."""

from __future__ import annotations

from typing import NamedTuple

from roster_tui.core.scim import FIELD_PATHS

#: The schema of the service's answer (in the roster's own URN namespace), published in ``/Schemas``: a client
#: that finds it there knows the service counts values.
VALUE_COUNTS = "urn:roster-tui:params:scim:api:messages:2.0:ValueCounts"
VALUES_ENDPOINT = "/Users/.values"
MAX_VALUES = 1000  # values in one answer (the most frequent first); ``moreValues`` says how many were left off
BLANK = "(blank)"  # how an absent or empty value is shown


class Facet(NamedTuple):
    """An attribute with counted values: its roster name, the SCIM path a filter compares, and its label."""

    name: str
    path: str
    label: str


FACETS: dict[str, Facet] = {f.name: f for f in (
    Facet("department", FIELD_PATHS["department"], "Department"),
    Facet("division", FIELD_PATHS["division"], "Division"),
    Facet("location", FIELD_PATHS["location"], "Location"),
    Facet("title", FIELD_PATHS["title"], "Title"),
    Facet("status", "active", "Status"),
    Facet("manager", FIELD_PATHS["manager"], "Manager"),
    Facet("group", "groups.value", "Group"),
)}


def status_text(active: object) -> str:
    """``active``/``inactive`` for a value of ``active``."""
    return "active" if active is True or str(active).lower() == "true" else "inactive"
