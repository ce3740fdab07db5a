"""Start SCIM servers the project did not write, as subprocesses on loopback, for the tests.

One way to start each: ``start_scim2_server`` (the scim2-server package; RFC 7643 schemas unless given
others) and ``start_django_scim2`` (django-scim2 in the small Django site of tests/foreign/django_host).
Each picks a free port, writes the server's output to ``server.log`` in the given directory, waits until
``ServiceProviderConfig`` answers to the bearer token, shows the log when the server does not start, and
stops the server on exit.
"""

from __future__ import annotations

import importlib.util
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
_FEATURES = ("patch", "bulk", "filter", "changePassword", "sort", "etag")


@dataclass(frozen=True)
class ScimServer:
    """A running SCIM server: its base URL, the bearer token it accepts, and what it says and does."""

    base_url: str
    token: str
    name: str = "scim2-server"
    config: dict[str, Any] = field(default_factory=dict, compare=False)  # its ServiceProviderConfig
    quirks: tuple[str, ...] = ()  # gaps and quirks seen by probing it, beyond what its config says
    log: Path | None = None
    startup_seconds: float = 0.0

    def supports(self, feature: str) -> bool:
        """Whether its ServiceProviderConfig announces ``feature`` (patch, bulk, filter, sort, etag…)."""
        return bool((self.config.get(feature) or {}).get("supported"))

    def describe(self) -> str:
        """One line: the features its ServiceProviderConfig announces, then its known gaps and quirks."""
        said = ", ".join(f"{f} {'yes' if self.supports(f) else 'no'}" for f in _FEATURES)
        return f"{self.name}: {said}" + "".join(f"; {gap}" for gap in self.quirks)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def free_port() -> int:
    """A TCP port that was free on loopback a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_text(log_path: Path, limit: int = 6000) -> str:
    text = log_path.read_text(errors="replace") if log_path.exists() else "(no log)"
    return text[-limit:]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_config(
    name: str, proc: subprocess.Popen[bytes], base_url: str, token: str, log_path: Path, timeout: float
) -> dict[str, Any] | None:
    """The served ServiceProviderConfig once it answers; None when the port was taken meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            if "address already in use" in _log_text(log_path).lower():
                return None
            pytest.fail(f"{name} exited with {proc.returncode} before answering; {log_path}:\n{_log_text(log_path)}")
        try:
            r = httpx.get(f"{base_url}/ServiceProviderConfig", headers={"Authorization": f"Bearer {token}"}, timeout=2)
            if r.status_code == 200:
                return r.json()
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{name} did not answer at {base_url} in {timeout:.0f}s; {log_path}:\n{_log_text(log_path)}")
        time.sleep(0.05)


@contextmanager
def serve(
    name: str,
    command: Callable[[int, str], list[str]],
    directory: Path,
    *,
    path: str,
    quirks: tuple[str, ...] = (),
    cwd: Path | None = None,
    timeout: float = 30.0,
) -> Iterator[ScimServer]:
    """Run ``command(port, token)`` until the block ends; its SCIM base URL is ``http://127.0.0.1:port{path}``."""
    token = "tok-" + secrets.token_hex(12)
    log_path = directory / "server.log"
    for _attempt in range(3):  # another process may take the free port before the server binds it
        port = free_port()
        base_url = f"http://127.0.0.1:{port}{path}"
        started = time.monotonic()
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                command(port, token), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd
            )
        try:
            config = _wait_for_config(name, proc, base_url, token, log_path, timeout)
            if config is None:
                continue
            yield ScimServer(
                base_url=base_url,
                token=token,
                name=name,
                config=config,
                quirks=quirks,
                log=log_path,
                startup_seconds=time.monotonic() - started,
            )
            return
        finally:
            _stop(proc)
    pytest.fail(f"{name} found no free port in 3 tries; {log_path}:\n{_log_text(log_path)}")


def start_scim2_server(
    directory: Path,
    *,
    schema_file: Path | None = None,
    resource_type_file: Path | None = None,
    quirks: tuple[str, ...] = (),
) -> AbstractContextManager[ScimServer]:
    """scim2-server in memory; without files it serves RFC 7643's User (+ enterprise extension) and Group."""
    script = Path(sys.executable).with_name("scim2-server")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "scim2_server.testserver.cli"]
    extra: list[str] = []
    if schema_file is not None:
        extra += ["--schema", str(schema_file)]
    if resource_type_file is not None:
        extra += ["--resource-type", str(resource_type_file)]

    def command(port: int, token: str) -> list[str]:
        return [*base, "--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", token, *extra]

    return serve("scim2-server", command, directory, path="/v2", quirks=quirks)


DJANGO_SCIM2_QUIRKS = (
    "config says filter unsupported, yet filters userName, name.givenName and name.familyName "
    "(eq ne co sw ew gt ge lt le pr, and/or/not; userName eq is case-insensitive)",
    "a filter on any other attribute (emails.value, externalId, extensions) silently matches nothing "
    "(200, 0 results, not 400 invalidFilter), and so does active eq true/false over SQLite",
    "no ETags: no meta.version, no ETag header, If-Match and If-None-Match ignored",
    "sortBy, attributes and excludedAttributes ignored (always in id order)",
    "PATCH: only op replace, on userName, name.givenName, name.familyName, active or emails; add, remove "
    "and any other path answer 501",
    "keeps one email (the primary); drops the enterprise extension and other unknown attributes; "
    "takes a User without userName",
    "Bulk and /Me answer 501; 401 comes with an empty text/html body; ids are integers as strings",
)


def start_django_scim2(directory: Path) -> AbstractContextManager[ScimServer]:
    """django-scim2 (15five) behind uvicorn, over a fresh SQLite file in ``directory``."""
    if importlib.util.find_spec("django_scim") is None:
        pytest.fail("django-scim2 is not installed: pip install -e '.[test]' (it is in the test extra)")
    db = directory / "django-scim2.sqlite3"

    def command(port: int, token: str) -> list[str]:
        db.unlink(missing_ok=True)
        module = [sys.executable, "-m", "tests.foreign.django_host"]
        return [*module, "--port", str(port), "--token", token, "--db", str(db)]

    return serve("django-scim2", command, directory, path="/scim/v2", quirks=DJANGO_SCIM2_QUIRKS, cwd=ROOT)
