"""A second independent conformance probe, scim-sanity (all its phases, strict, and with its Entra profile),
against an empty roster API on each backend.

One check is a deliberate deviation: scim-sanity adds a member id that names no user (``fake-member-id``) to a
group and expects 200. The roster keeps its groups referentially whole, as docs/RULES.md says: a member must be
a user of the roster (400 invalidValue otherwise); identity providers create a user before adding it to a group.
Every other check passes, and the test fails if any other one does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import start_server, stop_server

DEVIATION = "PATCH /Groups/{id} add member"


def probe(url: str, token: str, *extra: str) -> list[dict[str, str]]:
    sanity = shutil.which("scim-sanity") or str(Path(sys.executable).with_name("scim-sanity"))
    result = subprocess.run([sanity, "probe", url, "--token", token, "--i-accept-side-effects", "--json-output",
                             "--user-domain", "example.com", *extra], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    return report["results"]


@pytest.mark.parametrize("profile", [[], ["--profile", "entra"]], ids=["strict", "entra"])
def test_scim_sanity_passes_every_phase(tmp_path: Path, database: str, profile: list[str]) -> None:
    server = start_server(tmp_path, db=database)
    try:
        results = probe(server.url, server.token, *profile)
    finally:
        stop_server(server)
    statuses = {r["name"]: r["status"] for r in results}
    assert len(statuses) >= 25, results
    failed = {name: s for name, s in statuses.items() if s not in ("pass", "skip")}
    assert failed == {DEVIATION: "fail"}, failed
