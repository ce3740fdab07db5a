"""Which API and token `roster` uses: flags, then environment, then config.toml; tokens stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from roster_tui.config import ConfigError, check_database, default_db, resolve_api


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ROSTER_API_URL", "ROSTER_API_TOKEN", "ROSTER_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("ROSTER_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "cfg").mkdir()
    return tmp_path


def test_default_is_embedded_on_the_data_dir(clean_env: Path) -> None:
    settings = resolve_api()
    assert settings.url is None and settings.token is None
    assert settings.db == str(clean_env / "data" / "roster.db")
    assert settings.source.startswith("embedded: ")


def test_flags_beat_environment_beat_config_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = clean_env / "tok"
    token_file.write_text("from-file\n")
    token_file.chmod(0o600)
    (clean_env / "cfg" / "config.toml").write_text(
        f'api_url = "http://config.example/scim/v2"\ntoken_file = "{token_file}"\n')
    assert resolve_api().url == "http://config.example/scim/v2"
    assert resolve_api().token == "from-file"
    monkeypatch.setenv("ROSTER_API_URL", "http://env.example/scim/v2/")
    monkeypatch.setenv("ROSTER_API_TOKEN", "from-env")
    settings = resolve_api()
    assert (settings.url, settings.token) == ("http://env.example/scim/v2", "from-env")
    assert "from-env" not in repr(settings)
    assert resolve_api(api="http://flag.example/scim/v2").url == "http://flag.example/scim/v2"
    assert resolve_api(token_file=str(token_file)).token == "from-file"


def test_loose_token_file_and_bad_config_are_refused(clean_env: Path) -> None:
    token_file = clean_env / "tok"
    token_file.write_text("secret-123\n")
    token_file.chmod(0o640)
    with pytest.raises(ConfigError, match="chmod 600") as refused:
        resolve_api(token_file=str(token_file))
    assert "secret-123" not in str(refused.value)
    (clean_env / "cfg" / "config.toml").write_text("api_url = \n")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        resolve_api()


def test_check_database_refuses_a_missing_sqlite_file_but_not_the_default_one(clean_env: Path) -> None:
    missing = clean_env / "typo.db"
    with pytest.raises(ConfigError, match=r'no roster database at .*typo\.db: create it with "roster db init '):
        check_database(str(missing))
    with pytest.raises(ConfigError, match="no roster database"):
        check_database(f"sqlite:///{missing}")
    check_database(str(missing), create=True)  # asked for: it may be created
    check_database(str(default_db()))  # the first start creates the default database
    check_database("postgresql://roster@db.example/roster")  # not a file: the server says what exists
    check_database("sqlite:///:memory:")
    missing.touch()
    check_database(str(missing))
