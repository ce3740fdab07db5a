"""config.toml's ``[[drop]]`` rules: read, checked with a message saying what to write, matched by file name; a
file whose rule names a saved mapping is planned with it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from roster_tui.cli.drop_text import drop_text
from roster_tui.config import ConfigError, DropRule, drop_rules
from roster_tui.core.mapping import Mapping
from roster_tui.files import save_mapping
from roster_tui.paths import config_dir
from roster_tui.ssh.drop_folder import DropFolder, name_problem
from roster_tui.sync.drop import output_path, rule_for
from tests.drop.conftest import DropServer, roster_csv, unique_email


def write_config(text: str) -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text(text)


def test_rules_are_read_in_order_and_the_first_fitting_wins() -> None:
    save_mapping(Mapping(columns={"Work Mail": "email"}), "workday")
    write_config('[[drop]]\npattern = "hr-*.csv"\nmapping = "workday"\napply = "when-clean"\n\n'
                 '[[drop]]\npattern = "*.csv"\n')
    rules = drop_rules()
    assert rules == [DropRule("hr-*.csv", "workday", "when-clean"), DropRule("*.csv", None, "never")]
    assert rule_for("hr-2026-11.csv", rules) == rules[0]
    assert rule_for("terms.csv", rules) == rules[1] and rule_for("HR.txt", rules) is None
    assert output_path(Path("out"), "hr-1.CSV", "plan.txt") == Path("out/hr-1.plan.txt")
    write_config("")
    assert drop_rules() == []


@pytest.mark.parametrize(("text", "says"), [
    ('[[drop]]\npattern = "a/*.csv"\n', 'pattern must be a file name pattern without "/"'),
    ('[[drop]]\nmapping = "x"\n', "pattern must be"),
    ('[[drop]]\npattern = "*.csv"\napply = "always"\n', "apply = 'always' cannot be used: write apply = \"never\""),
    ('[[drop]]\npattern = "*.csv"\nmapping = "nosuch"\n', "mapping = 'nosuch' is not a saved mapping"),
    ('[[drop]]\npattern = "*.csv"\nmaping = "x"\n', "maping is not a drop setting"),
    ('drop = "hr-*.csv"\n', "drop must be a list of tables"),
])
def test_a_rule_that_cannot_be_used_says_what_to_write(text: str, says: str) -> None:
    write_config(text)
    with pytest.raises(ConfigError, match=r"config\.toml") as caught:
        drop_rules()
    assert says in str(caught.value)


def test_file_names() -> None:
    assert name_problem("hr-2026-11-30.csv") is None and name_problem("Équipe été.csv") is None
    for bad in ("", ".hidden.csv", " a.csv", "a.csv ", "a\x00b.csv", "a\nb.csv", "a\u202eb.csv", "a\\b.csv",
                "x" * 129):
        assert name_problem(bad), bad


async def test_a_rules_saved_mapping_is_used(drop_server: DropServer, tmp_path: Path) -> None:
    save_mapping(Mapping(columns={"Work Mail": "email", "Given": "first_name", "Family": "last_name"}), "drop-test")
    rules = drop_server.folder.rules
    rules.insert(0, DropRule("mapped-*.csv", "drop-test", "when-clean"))
    try:
        email = unique_email()
        csv = roster_csv(tmp_path / "mapped-1.csv", [(email, "Mo", "Ray")], header="Work Mail,Given,Family")
        async with drop_server.connect("editor") as conn, conn.start_sftp_client() as sftp:
            await sftp.put(str(csv), "incoming/mapped-1.csv")
        drop_server.settle()
    finally:
        rules.pop(0)
    assert "Columns: Work Mail (column A) -> email" in drop_server.outgoing("mapped-1.plan.txt")
    assert drop_server.users(email) == [email]
    assert oct(os.stat(drop_server.folder.root / "outgoing" / "mapped-1.plan.json").st_mode & 0o777) == "0o600"


async def token_for(name: str) -> str:
    return "token"


def test_the_folder_from_config_takes_its_rules_and_guards(tmp_path: Path) -> None:
    write_config('[guards]\nmax_deactivations = 3\n\n[[drop]]\npattern = "hr-*.csv"\napply = "when-clean"\n')
    folder = DropFolder.from_config(tmp_path / "drop", "http://127.0.0.1:1/scim/v2", token_for,
                                    drop_text())
    assert folder.rules == [DropRule("hr-*.csv", None, "when-clean")] and folder.limits.max_deactivations == 3
    assert {p.name for p in folder.root.iterdir()} == {"incoming", "outgoing", ".owners", ".uploads"}
    assert oct(folder.root.stat().st_mode & 0o777) == "0o700"
