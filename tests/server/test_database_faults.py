"""A database that cannot do what is asked says why: a damaged file is refused when it is opened, a read-only
file or a full disk is a 500 / 507 naming the cause (not a 503 "retry shortly" for what cannot succeed), and
new files are private (0600, in a 0700 directory)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from roster_tui.server.seed import generate
from roster_tui.server.service import new_user_doc
from roster_tui.server.storage.errors import DatabaseDamaged, DatabaseFault
from roster_tui.server.storage.sql import SqlStorage
from tests.conftest import POSTGRES_URL, new_postgres_database, start_server, stop_server
from tests.server.helpers import user_body


def seeded(path: Path, users: int = 300) -> Path:
    storage = SqlStorage(str(path))
    try:
        storage.bulk_load(generate(users))
    finally:
        storage.close()  # the last connection checkpoints the WAL into the file and removes it
    assert not Path(f"{path}-wal").exists()
    return path


def truncated(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)


def header_overwritten(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"\x00" * 100)


def bytes_flipped(path: Path) -> None:
    """Flip the first bytes of every eighth page (b-tree page headers): what a bad disk or a stray write does."""
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(page * 2, len(data), page * 8):
        for i in range(start, start + 8):
            data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def text_file(path: Path) -> None:
    path.write_text("email,first name,last name\nada@example.com,Ada,Lovelace\n" * 50)


DAMAGE: dict[str, Callable[[Path], None]] = {"truncated": truncated, "header": header_overwritten,
                                              "flipped": bytes_flipped, "text": text_file}


def roster(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")}
    env.update(ROSTER_CONFIG_DIR=str(tmp / "config"), ROSTER_DATA_DIR=str(tmp / "data"), ROSTER_API_TOKEN="t" * 40)
    return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_sqlite_file_is_refused_when_opened(tmp_path: Path, damage: str) -> None:
    db = seeded(tmp_path / "roster.db")
    DAMAGE[damage](db)
    before = db.read_bytes()
    with pytest.raises(DatabaseDamaged) as info:
        SqlStorage(str(db))
    assert str(db) in str(info.value) and "damaged" in str(info.value)
    assert isinstance(info.value, DatabaseFault)
    csv = tmp_path / "people.csv"
    csv.write_text("email,first_name,last_name\nada@example.com,Ada,Lovelace\n")
    for command in (["serve", "--port", "9", "--db", str(db)], ["export", "--db", str(db)],
                    ["import", str(csv), "--db", str(db)], ["seed", "--users", "5", "--db", str(db)]):
        result = roster(tmp_path, *command)
        assert result.returncode == 2, (command, result.stderr[-3000:])
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("roster: ") and str(db) in result.stderr
    assert db.read_bytes() == before  # nothing was written into it


def test_a_healthy_file_opens(tmp_path: Path) -> None:
    db = seeded(tmp_path / "roster.db")
    storage = SqlStorage(str(db))
    try:
        assert storage.list(None, None, False, 0, 1)[0] == 300
    finally:
        storage.close()


def test_new_database_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "new" / "deeper" / "roster.db"
    storage = SqlStorage(str(db))
    try:
        with storage.write("test") as writer:
            writer.create(new_user_doc(user_body()))
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for directory in (db.parent, db.parent.parent):
            assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    finally:
        storage.close()


def test_serve_creates_its_default_database_privately(tmp_path: Path) -> None:
    data = tmp_path / "data-dir"
    server = start_server(tmp_path, db=str(data / "roster.db"))
    try:
        assert httpx.post(f"{server.url}/Users", json=user_body(), headers=server.headers()).status_code == 201
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for name in ("roster.db", "roster.db-wal", "roster.db-shm"):
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    finally:
        stop_server(server)


@pytest.fixture()
def immutable(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Make a file immutable (even root cannot write it), undone afterwards; skips where chattr cannot."""
    done: list[Path] = []

    def make(path: Path) -> None:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)],
                                                        capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here (needs root on a filesystem that supports it)")
        done.append(path)

    yield make
    for path in done:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_a_read_only_database_file_is_a_500_naming_it(tmp_path: Path, immutable: Callable[[Path], None]) -> None:
    db = seeded(tmp_path / "roster.db", users=10)
    immutable(db)
    server = start_server(tmp_path, db=str(db))
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as http:
            assert http.get("/Users", params={"count": 1}).json()["totalResults"] == 10
            refused = http.post("/Users", json=user_body())
            assert refused.status_code == 500, refused.text
            assert "read-only" in refused.json()["detail"] and "retry" not in refused.json()["detail"]
            assert "retry-after" not in refused.headers
            assert http.get("/Users", params={"count": 1}).status_code == 200
    finally:
        stop_server(server)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB filesystem of its own (tmpfs); skips where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_a_507_not_a_retry(tmp_path: Path, small_disk: Path) -> None:
    server = start_server(tmp_path, db=str(small_disk / "roster.db"))
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as http:
            statuses = []
            while not statuses or statuses[-1] == 201:
                assert len(statuses) < 2000, "the disk never filled"
                statuses.append(http.post("/Users", json=user_body(title="x" * 200)).status_code)
            full = http.post("/Users", json=user_body())
            assert full.status_code == 507, full.text
            assert "full" in full.json()["detail"] and "retry-after" not in full.headers
            assert set(statuses[:-1]) == {201} and statuses[-1] == 507
            assert http.get("/Users", params={"count": 0}).json()["totalResults"] == len(statuses) - 1
    finally:
        stop_server(server)


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL backend: set ROSTER_TEST_POSTGRES_URL")
def test_a_read_only_postgresql_is_a_500_naming_it(tmp_path: Path) -> None:
    """A database in read-only mode (a hot standby after a failover answers the same)."""
    url = new_postgres_database()
    name = make_url(url).database
    admin = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    server = start_server(tmp_path, db=url)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(), timeout=30) as http:
            assert http.post("/Users", json=user_body()).status_code == 201
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            refused = http.post("/Users", json=user_body())
            assert refused.status_code == 500, refused.text
            assert "read-only" in refused.json()["detail"] and "retry-after" not in refused.headers
            assert http.get("/Users", params={"count": 0}).json()["totalResults"] == 1
    finally:
        stop_server(server)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
