"""Fixtures for the console's tests: a seeded roster served in-process, or by a real ``roster serve``."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from textual import _wait as textual_wait
from textual.pilot import Pilot

from roster_tui.connect import EMBEDDED_URL
from roster_tui.scim.client import RosterClient
from roster_tui.server.app import create_app as create_service
from roster_tui.server.auth import TokenRegistry
from roster_tui.server.seed import generate
from roster_tui.server.storage.sql import SqlStorage
from roster_tui.tui.app import RosterApp, create_app

#: Pilot's key presses and pauses wait until the process is idle, judged in windows of 20 ms: a key cost 130 ms on
#: a quiet machine, most of it waiting. Windows of 5 ms (idle: under 0.25 ms of CPU in one) make it 70 ms. A test
#: that needs a worker done waits for it (``settle``, ``wait_for``), not for an idle window.
textual_wait.SLEEP_GRANULARITY = 1 / 200
textual_wait.SLEEP_IDLE = textual_wait.SLEEP_GRANULARITY / 20

USERS = 300
SEED = 7
SOURCE = "embedded: roster.db"
TOKEN = "tui-test-token"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "task_failures: the test makes a console task fail on purpose")


@pytest.fixture(autouse=True)
def no_task_fails_unseen(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A console task (worker) that failed is reported in the log: no test passes over one unnoticed."""
    yield
    if request.node.get_closest_marker("task_failures") is None:
        failed = [r.getMessage() for r in caplog.get_records("call")
                  if r.name == "roster_tui.tui" and r.levelno >= logging.ERROR]
        assert failed == [], "a console task failed (see the captured log)"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded roster database, made once; tests work on copies."""
    db = tmp_path_factory.mktemp("tui-seed") / "roster.db"
    storage = SqlStorage(str(db))
    storage.bulk_load(generate(USERS, SEED))
    storage.close()
    return db


@pytest.fixture()
def roster_db(seeded_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "roster.db"
    shutil.copy(seeded_template, db)
    return db


class Embedded:
    """The roster service in-process over one database, and clients bound to it."""

    def __init__(self, db: Path) -> None:
        self.storage = SqlStorage(str(db))
        tokens = TokenRegistry()
        tokens.add("tui-tests", TOKEN)
        self.transport = httpx.ASGITransport(app=create_service(self.storage, tokens))

    def client(self, transport: httpx.AsyncBaseTransport | None = None) -> RosterClient:
        return RosterClient(EMBEDDED_URL, TOKEN, transport=transport or self.transport, max_retries=0)

    def app(self, transport: httpx.AsyncBaseTransport | None = None, **kwargs: object) -> RosterApp:
        """The console on this service (``transport``: e.g. a :class:`RecordingTransport` around it)."""
        return create_app(self.client(transport), source=SOURCE, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self.storage.close()


@dataclass(frozen=True)
class Exchange:
    """One request as it was sent, and the status the service answered."""

    method: str
    path: str
    headers: httpx.Headers
    status: int


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request on to ``inner`` unchanged and keeps what was sent and the status answered.

    ``before``: awaited before a request goes on, e.g. another client writing "meanwhile" at an exact point.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport,
                 before: Callable[[httpx.Request], Awaitable[None]] | None = None) -> None:
        self.inner = inner
        self.before = before
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.before is not None:
            await self.before(request)
        response = await self.inner.handle_async_request(request)
        self.exchanges.append(Exchange(request.method, request.url.path, request.headers, response.status_code))
        return response

    def sent(self, method: str, path_suffix: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method and e.path.endswith(path_suffix)]

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture()
def embedded(roster_db: Path) -> Iterator[Embedded]:
    service = Embedded(roster_db)
    yield service
    service.close()


@pytest.fixture()
async def api(embedded: Embedded) -> AsyncIterator[RosterClient]:
    """A second client on the same service: 'someone else' changing users meanwhile, and checks."""
    async with embedded.client() as client:
        yield client


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` is true (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)
    await pilot.pause()


def idle_workers(app: RosterApp) -> bool:
    return not any(w.is_running for w in app.workers)


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and the screen is drawn."""
    await wait_for(pilot, lambda: idle_workers(pilot.app))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    await pilot.pause()


def free_port_url() -> str:
    """A SCIM URL on a loopback port where nothing listens."""
    from tests.conftest import free_port

    return f"http://127.0.0.1:{free_port()}/scim/v2"


def screen_text(app: RosterApp) -> str:
    """The text on screen (from the SVG screenshot), for checks of what the admin sees."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
