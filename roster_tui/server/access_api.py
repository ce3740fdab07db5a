"""``GET /Access``: who the request's token acts as and its access role (a roster extension, not SCIM).

    GET /scim/v2/Access  ->  {"schemas": [ACCESS], "name": "dana", "role": "viewer"}

A console asks it once to show who you are and to hide what your role cannot do; the service enforces the role
whatever the client shows (:mod:`roster_tui.server.access`). Published in ``/Schemas`` (``ACCESS``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from roster_tui.core.access import ACCESS, ACCESS_ENDPOINT
from roster_tui.server.http import PREFIX, scim_response


def add_access_route(app: FastAPI) -> None:
    @app.get(PREFIX + ACCESS_ENDPOINT)
    async def access(request: Request) -> Response:
        actor = request.state.actor
        return scim_response({"schemas": [ACCESS], "name": str(actor), "role": actor.role})
