"""Fixtures of the API client tests.

* ``scim_server``: the independent ``scim2-server`` as a subprocess on loopback (session-scoped), serving
  the RFC 7643 schemas plus the roster extension and the admin role catalog, behind a bearer token; started
  by tests/foreign/launch.py, the one way to start it (tests/foreign has it with the RFC schemas only).
* ``fault``: a small scriptable Starlette app run by uvicorn in a thread on loopback, answering the
  replies a test queues (503/429 with ``Retry-After``, stalls held until the test is over, errors) and recording
  every request.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
from scim2_server.utils import load_json_resource
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roster_tui.core.models import ADMIN_ROLES
from roster_tui.core.scim import CORE_USER, ROSTER_USER
from roster_tui.scim.client import RosterClient
from tests.foreign.launch import ScimServer, start_scim2_server

SCIM_JSON = "application/scim+json"


# -- scim2-server ----------------------------------------------------------------------------------


def _attr(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "string",
        "multiValued": False,
        "description": name,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }


def _write_discovery_files(directory: Path) -> tuple[Path, Path]:
    """scim2-server's default schemas + the roster extension + the admin roles as canonicalValues."""
    schemas = load_json_resource("default-schemas.json")
    for schema in schemas:
        if schema["id"] == CORE_USER:
            roles = next(a for a in schema["attributes"] if a["name"] == "roles")
            value = next(s for s in roles["subAttributes"] if s["name"] == "value")
            value["canonicalValues"] = list(ADMIN_ROLES)
    schemas.append(
        {
            "id": ROSTER_USER,
            "name": "RosterUser",
            "description": "Roster extension",
            "attributes": [_attr("location"), _attr("hireDate")],
        }
    )
    resource_types = load_json_resource("default-resource-types.json")
    user_type = next(rt for rt in resource_types if rt["id"] == "User")
    user_type.setdefault("schemaExtensions", []).append({"schema": ROSTER_USER, "required": False})
    schema_file, rt_file = directory / "schemas.json", directory / "resource-types.json"
    schema_file.write_text(json.dumps(schemas))
    rt_file.write_text(json.dumps(resource_types))
    return schema_file, rt_file


@pytest.fixture(scope="session")
def scim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    """A real, independent SCIM server (scim2-server) on a free loopback port."""
    directory = tmp_path_factory.mktemp("scim2-server")
    schema_file, rt_file = _write_discovery_files(directory)
    with start_scim2_server(directory, schema_file=schema_file, resource_type_file=rt_file) as server:
        yield server


@pytest.fixture
async def scim_client(scim_server: ScimServer) -> AsyncIterator[RosterClient]:
    async with RosterClient(scim_server.base_url, scim_server.token) as client:
        yield client


@pytest.fixture
def prefix() -> str:
    """A userName prefix of this test's own users on the shared server."""
    return f"t{secrets.token_hex(5)}."


# -- the scriptable fault server -------------------------------------------------------------------


@dataclass
class Reply:
    """What the fault server answers: ``body`` dict → SCIM JSON, str → text; ``stall``: nothing is answered until
    the test is over (:meth:`FaultServer.release`): a client's read timeout always fires first, however slow the
    machine."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class FaultServer:
    base_url: str = ""
    app: Starlette | None = None
    replies: deque[Reply] = field(default_factory=deque)
    default: Reply | Callable[[Seen], Reply] = field(default_factory=Reply)
    requests: list[Seen] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def script(self, *replies: Reply, then: Reply | Callable[[Seen], Reply] | None = None) -> None:
        """Answer these replies in order, then ``then`` (default: 200 with an empty object)."""
        self.replies.extend(replies)
        if then is not None:
            self.default = then

    def reset(self) -> None:
        self.release()
        self.replies.clear()
        self.requests.clear()
        self.default = Reply()

    def release(self) -> None:
        """Let the stalled replies go (to clients long gone), and stall the next ones anew."""
        stalled, self.released = self.released, threading.Event()
        stalled.set()

    async def handle(self, request: Request) -> Response:
        seen = Seen(
            method=request.method,
            path=request.url.path,
            raw_path=request.scope["raw_path"].decode("ascii"),
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        self.requests.append(seen)
        reply = self.replies.popleft() if self.replies else self.default
        if callable(reply):
            reply = reply(seen)
        if reply.stall:
            await asyncio.to_thread(self.released.wait)
        if isinstance(reply.body, str):
            content, media = reply.body.encode(), "text/html"
        elif reply.body is None:
            content, media = (b"" if reply.status in (204, 304) else b"{}"), SCIM_JSON
        else:
            content, media = orjson.dumps(reply.body), SCIM_JSON
        return Response(content, status_code=reply.status, headers=reply.headers, media_type=media)


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """The fault server, listening on a loopback socket bound before it starts (no port race)."""
    state = FaultServer()
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    state.app = Starlette(routes=[Route("/{path:path}", state.handle, methods=methods)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        state.app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the fault server did not start")
        time.sleep(0.01)
    state.base_url = f"http://127.0.0.1:{port}/scim/v2"
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@pytest.fixture
def fault(fault_server: FaultServer) -> Iterator[FaultServer]:
    fault_server.reset()
    yield fault_server
    fault_server.reset()


class SleepRecorder:
    """An injectable ``sleep`` that records the delays and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.calls.append(delay)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


FAULT_TOKEN = "fault-" + "s3cr3t" * 3


@pytest.fixture
async def make_client(sleeps: SleepRecorder) -> AsyncIterator[Callable[..., RosterClient]]:
    """Build clients (closed at the end) that sleep through ``sleeps``; defaults to the fault token."""
    made: list[RosterClient] = []

    def make(base_url: str, **kwargs: Any) -> RosterClient:
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("jitter", lambda: 0.0)
        token = kwargs.pop("token", FAULT_TOKEN)
        client = RosterClient(base_url, token, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


def scim_user(user_name: str, **extra: Any) -> dict[str, Any]:
    """A minimal SCIM User body."""
    return {"schemas": [CORE_USER], "userName": user_name, **extra}
