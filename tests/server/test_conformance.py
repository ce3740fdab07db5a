"""The independent conformance checker (scim2-tester, via `scim2 test`) against an empty roster API."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import start_server, stop_server

STATUS = re.compile(r"^(SUCCESS|ERROR|CRITICAL|WARNING|SKIPPED|UNKNOWN)\s+(\S+)", re.M)


def test_scim2_tester_passes_every_check(tmp_path: Path) -> None:
    scim2 = shutil.which("scim2") or str(Path(sys.executable).with_name("scim2"))
    server = start_server(tmp_path)
    try:
        result = subprocess.run(
            [scim2, "--url", server.url, "test"], capture_output=True, text=True, timeout=300,
            env={**os.environ, "SCIM_CLI_HEADERS": f"Authorization: Bearer {server.token}"})
    finally:
        stop_server(server)
    statuses = STATUS.findall(result.stdout)
    failed = [line for line in result.stdout.splitlines() if line.startswith(("ERROR", "CRITICAL"))]
    assert result.returncode == 0, result.stdout + result.stderr
    assert not failed, result.stdout
    assert len(statuses) >= 70, result.stdout  # every check ran (76 with the published schemas)
    assert {s for s, _ in statuses} == {"SUCCESS"}
    print(f"scim2-tester: {len(statuses)} checks, all SUCCESS")
