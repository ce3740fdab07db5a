"""schemathesis against the service's OpenAPI description: generated requests never get a 5xx.

Every phase (examples, coverage of each declared position, fuzzing, and stateful sequences), with NUL characters
allowed in every generated string. What schemathesis cannot send (lone surrogates, integers beyond 64 bits,
duplicate keys) ``test_hostile_generated.py`` generates.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import start_server, stop_server


@pytest.mark.slow
def test_no_server_errors_for_generated_requests(tmp_path: Path, database: str) -> None:
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    server = start_server(tmp_path, db=database)
    try:
        base = server.url.removesuffix("/scim/v2")
        result = subprocess.run(
            [st, "run", f"{base}/openapi.json", "-H", f"Authorization: Bearer {server.token}",
             "--checks", "not_a_server_error", "--max-examples", "25", "--seed", "7",
             "--phases", "examples,coverage,fuzzing,stateful", "--generation-allow-x00", "true"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    finally:
        stop_server(server)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout and "Server error" not in result.stdout
    assert server.token not in result.stdout
