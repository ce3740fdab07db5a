"""``roster ssh``'s settings without a server: the ``[ssh]`` table, the host key file, the commands' parsing, and
``--help`` naming every option."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from roster_tui.config import ConfigError, SshLimits, config_file, ssh_limits
from roster_tui.files import confined, load_recent, mapping_path, remember
from roster_tui.ssh.commands import Refused, parse
from roster_tui.ssh.host_key import load_host_key
from roster_tui.ssh.service import API_PORT_FILE, api_socket


def write_config(text: str) -> None:
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(text)


def test_the_ssh_table_is_read_and_checked() -> None:
    assert ssh_limits() == SshLimits()
    write_config("[ssh]\nmax_sessions = 5\nidle_timeout = 90.5\nauth_delay = false\n")
    assert ssh_limits() == SshLimits(max_sessions=5, idle_timeout=90.5, auth_delay=0)
    for text, says in (("[ssh]\nmax_session = 5\n", "max_session is not a setting"),
                       ("[ssh]\nmax_sessions = 2.5\n", "write a whole number"),
                       ("[ssh]\nidle_timeout = -1\n", "write a number of seconds"),
                       ("[ssh]\nauth_delay = '2'\n", "auth_delay = '2' cannot be used"),
                       ("ssh = 3\n", "ssh must be a table")):
        write_config(text)
        with pytest.raises(ConfigError, match=says):
            ssh_limits()


def test_the_host_key_is_made_once_private_and_a_loose_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "host"
    made = load_host_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_host_key(path).get_fingerprint() == made.get_fingerprint()
    os.chmod(path, 0o644)
    with pytest.raises(ValueError, match="readable by others"):
        load_host_key(path)


def test_the_api_takes_the_port_of_the_last_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    remembered = tmp_path / API_PORT_FILE
    with api_socket(0, remembered) as first:
        port = first.getsockname()[1]
    assert remembered.read_text() == f"{port}\n"
    with api_socket(0, remembered) as again:
        assert again.getsockname()[1] == port  # saved plans name the API's URL: the same port after a restart
        again.listen()  # as the API does
        with api_socket(0, remembered) as other:  # taken meanwhile: another port, said, and remembered
            assert other.getsockname()[1] != port
            assert remembered.read_text() == f"{other.getsockname()[1]}\n"
    assert f"the API's port of the last start, {port}, is taken" in capsys.readouterr().err
    for damaged in ("not a port\n", "99999999", "-1", "\xff\xfe"):
        remembered.write_text(damaged, encoding="latin-1")
        with api_socket(0, remembered) as fresh:
            assert remembered.read_text() == f"{fresh.getsockname()[1]}\n"


@pytest.mark.parametrize(("command", "role", "args"), [
    ("export", "viewer", ["export"]),
    ("roster export --status=active", "viewer", ["export", "--status=active"]),
    ("import --json --sync-key employee-id", "viewer", ["import", "--json", "--sync-key", "employee-id"]),
    ("import --apply", "editor", ["import", "--apply", "--yes"]),
    ("changes 12 --json", "viewer", ["changes", "12", "--json"]),
    ("changes --help", "viewer", ["changes", "--help"]),
])
def test_commands_taken(command: str, role: str, args: list[str]) -> None:
    assert parse(command, role, "dana") == args


@pytest.mark.parametrize(("command", "says"), [
    ("", "'a shell' is not run here"),
    ("bash", "'bash' is not run here"),
    ("import --out plan.json", "import takes no --out"),
    ("import --mapping /etc/shadow", "import takes no --mapping"),
    ("export --token-file /root/t", "export takes no --token-file"),
    ("changes 1 2", "changes takes no file"),
    ("import --map", "--map needs a value"),
    ("export 'unclosed", "cannot be read"),
    ("import --apply", "vic is a viewer"),
])
def test_commands_refused(command: str, says: str) -> None:
    with pytest.raises(Refused, match=says):
        parse(command, "viewer", "vic")


def test_help_names_every_option() -> None:
    out = subprocess.run([sys.executable, "-m", "roster_tui.cli", "ssh", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for option in ("--host", "--port", "--db", "--create", "--host-key", "--api-port", "[ssh]", "2222"):
        assert option in out


def test_a_port_out_of_range_or_taken_is_one_line_and_exit_2(tmp_path: Path) -> None:
    def roster(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "roster_tui.cli", *args], capture_output=True, text=True,
                              timeout=60)

    for args in (["ssh", "--port", "70000"], ["ssh", "--api-port", "x"], ["serve", "--port", "-1"]):
        done = roster(*args)
        assert done.returncode == 2 and "is not a port: give a number from 0 to 65535" in done.stderr, args
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = roster("ssh", "--port", "0", "--api-port", str(port), "--files", str(tmp_path / "files"),
                      "--db", str(tmp_path / "roster.db"), "--create", "--host-key", str(tmp_path / "host"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    said = f"roster: cannot listen on 127.0.0.1:{port} for the roster API: Address already in use"
    assert done.stderr.strip() == said


def test_a_confined_session_reaches_only_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "files"
    (root / "hr").mkdir(parents=True)
    (root / "escape").symlink_to(tmp_path)
    assert confined("/etc/passwd") == Path("/etc/passwd")  # not confined: anywhere the user may
    monkeypatch.setenv("ROSTER_FILES_ROOT", str(root))
    assert confined("hr/new.csv") == root.resolve() / "hr" / "new.csv"
    assert confined(root / "a.csv") == root.resolve() / "a.csv"
    for outside in ("/etc/passwd", "../x.csv", "hr/../../x.csv", "escape/x.csv", "~/x.csv"):
        with pytest.raises(PermissionError, match="outside"):
            confined(outside)
    assert mapping_path("hr-default").parent.name == "mappings"  # a saved mapping's name is not a file
    with pytest.raises(PermissionError):
        mapping_path("/etc/roster.toml")
    remember(str(root / "hr" / "new.csv"))
    remember("/tmp/elsewhere.csv")
    assert load_recent() == [str(root / "hr" / "new.csv")]
