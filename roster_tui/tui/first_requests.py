"""What the console asks the roster API first: the roster screen's first page, the service's features and the
counts. The command line sends these before it imports the console (:mod:`roster_tui.scim.early`), so this module
imports nothing: the screen and the table take their page size and counts from here, and a test checks that their
first requests are these."""

from __future__ import annotations

PAGE_SIZE = 100
#: The sort of the roster's default query (``RosterQuery().sort_by``), by which its first page is asked.
FIRST_SORT = "name.familyName"
#: The counts line: every user, the active, the inactive and the admins.
COUNT_FILTERS: tuple[str | None, ...] = (None, "active eq true", "active eq false", "roles pr")
DISCOVERY = ("ServiceProviderConfig", "Schemas", "ResourceTypes")


def first_requests() -> list[tuple[str, dict[str, object]]]:
    """The GETs (path, params) the console sends as it opens, first page first (its rows are drawn first)."""
    page = {"sortBy": FIRST_SORT, "sortOrder": "ascending", "startIndex": 1, "count": PAGE_SIZE}
    counts = [{"filter": text, "startIndex": 1, "count": 0} for text in COUNT_FILTERS]
    return [("Users", page), *((path, {}) for path in DISCOVERY), *(("Users", params) for params in counts)]
