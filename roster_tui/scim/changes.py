"""The roster service's change journal, as a client asks it (``/Changes``; only where :meth:`features` says
``changes``): open a change, write under it (:meth:`RosterClient.for_change`), close it; list changes, read one
with its saved plan, and read its writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from roster_tui.core.changes import CHANGES_ENDPOINT, Change, Write
from roster_tui.scim.messages import resources_of

if TYPE_CHECKING:
    from roster_tui.scim.client import RosterClient

_PATH = CHANGES_ENDPOINT.lstrip("/")
WRITES_PAGE = 1000


async def open_change(client: RosterClient, kind: str, source: dict[str, Any], counts: dict[str, Any],
                      plan: dict[str, Any] | None = None, undoes: int | None = None) -> Change:
    """Record a new change (open) with the plan it applies, so that an interrupted apply can be resumed."""
    body: dict[str, Any] = {"kind": kind, "source": source, "counts": counts}
    if plan is not None:
        body["plan"] = plan
    if undoes is not None:
        body["undoes"] = undoes
    return Change.from_json(await client._json("POST", _PATH, json=body) or {})


async def set_status(client: RosterClient, change: int, status: str,
                     outcome: dict[str, Any] | None = None) -> Change:
    """Close a change (``done``, or ``stopped``: some of it was not written) with its outcome, or reopen it."""
    body: dict[str, Any] = {"status": status}
    if outcome is not None:
        body["outcome"] = outcome
    return Change.from_json(await client._json("PATCH", f"{_PATH}/{change}", json=body, idempotent=True) or {})


async def list_changes(client: RosterClient, *, status: str | None = None, user: str | None = None,
                       count: int = 100) -> list[Change]:
    """Changes newest first: all, those with ``status`` (``open``: interrupted), those that wrote ``user``."""
    params = {"status": status, "user": user, "count": count}
    return [Change.from_json(c) for c in resources_of(await client._json("GET", _PATH, params=params))]


async def get_change(client: RosterClient, change: int, *, plan: bool = False,
                     ) -> tuple[Change, dict[str, Any] | None]:
    """A change, and (``plan``) the plan it applies."""
    body = await client._json("GET", f"{_PATH}/{change}", params={"plan": "true" if plan else None}) or {}
    return Change.from_json(body), body.get("plan") if plan else None


async def iter_writes(client: RosterClient, change: int) -> AsyncIterator[Write]:
    """The writes of a change in the order they were made."""
    after = 0
    while True:
        body = await client._json("GET", f"{_PATH}/{change}/writes", params={"after": after, "count": WRITES_PAGE})
        writes = [Write.from_json(w) for w in resources_of(body)]
        for write in writes:
            yield write
        if len(writes) < WRITES_PAGE:
            return
        after = writes[-1].seq
