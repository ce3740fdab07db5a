"""Which roster API roster-tui talks to, with which token, and the embedded service's database.

Precedence for the API: ``--api`` / ``--token-file`` flags, then ``ROSTER_API_URL`` / ``ROSTER_API_TOKEN``,
then ``config.toml`` in the user config dir (``api_url``, ``token_file``); with no URL, the embedded service.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from roster_tui.files import mapping_path, read_secret_file
from roster_tui.paths import config_dir, default_db

if TYPE_CHECKING:
    from roster_tui.core.anomaly_limits import AnomalyLimits
    from roster_tui.core.guards import Limit, Limits


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


def sqlite_file(db: str) -> Path | None:
    """The file of a SQLite database given as a path or ``sqlite:///`` URL; None for other databases."""
    if "://" not in db:
        path = db
    elif db.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        path = make_url(db).database or ""
    else:
        return None
    return None if path in ("", ":memory:") else Path(path)


def check_database(db: str, create: bool = False) -> None:
    """Refuse to open a SQLite database that does not exist (a typo would start an empty roster), unless
    ``create`` is asked for or it is the default location, which the first start creates."""
    path = sqlite_file(db)
    if create or path is None or path.exists() or path.resolve() == default_db().resolve():
        return
    raise ConfigError(f'no roster database at {db}: create it with "roster db init {shlex.quote(db)}" '
                      "(or add --create)")


def config_file() -> Path:
    """Where config.toml is (it need not exist)."""
    return config_dir() / "config.toml"


def load_config_file() -> dict[str, object]:
    path = config_file()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def keymap() -> dict[str, str]:
    """The console's key bindings rebound in the ``[keys]`` table of config.toml: ``binding_id = "key,other"``.

    Only the table's shape is checked here (the console reports ids it does not know); docs/CONSOLE.md lists them.
    """
    table = load_config_file().get("keys", {})
    if not isinstance(table, dict):
        raise ConfigError('config.toml: [keys] must be a table of binding_id = "key,other"')
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f'config.toml [keys]: {binding_id} must be a string of keys, e.g. "ctrl+f" or "f3,/"')
    return dict(table)


def _settings_table(name: str, example: str, settings: Sequence[str], noun: str,
                    value: Callable[[str, object], Limit], fix: Callable[[str, ValueError], str]) -> dict[str, Limit]:
    """The ``[name]`` table of config.toml, each key one of ``settings`` read by ``value(key, raw)``; a key or value
    that cannot be used is a ConfigError naming it, with ``fix(key, error)``: what to write instead."""
    table = load_config_file().get(name, {})
    where = f"{config_file()} [{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{config_file()}: {name} must be a table: {example}")
    values: dict[str, Limit] = {}
    for key, raw in table.items():
        if key not in settings:
            raise ConfigError(f"{where}: {key} is not a {noun}; the {noun}s are {', '.join(settings)}")
        try:
            values[key] = value(key, raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: {key} = {raw!r} cannot be used: write {fix(key, exc)}, or remove the "
                              "line") from None
    return values


def guard_limits() -> Limits:
    """The guards' limits: the ``[guards]`` table of config.toml over the defaults (:mod:`roster_tui.core.guards`).

    Keys: ``max_deactivations``, ``max_deletions`` (users), ``max_share``, ``full_sync_share`` (percent);
    ``false`` turns a guard off. A key or value that cannot be used is a ConfigError saying which and what to write.
    """
    # imported here: the guards count plans, which every command that reads the settings need not load
    from roster_tui.core.guards import SETTINGS, Limits, limit_value

    def fix(key: str, exc: ValueError) -> str:
        default = Limits().get(key)
        return f"{exc}, or false to turn the guard off (the default is {'false' if default is None else default})"

    values = _settings_table("guards", "a [guards] line, then e.g. max_deletions = 50", SETTINGS, "guard",
                             limit_value, fix)
    return Limits().with_values(values, f"guards.{{setting}} in {config_file()}")


#: How a dropped file matching a ``[[drop]]`` rule is applied: never (an admin applies its saved plan), or when
#: it has no row errors and every guard passed.
DROP_APPLY = ("never", "when-clean")


@dataclass(frozen=True)
class DropRule:
    """A ``[[drop]]`` entry of config.toml: files of the SFTP drop folder named like ``pattern`` (shell-style,
    ``hr-*.csv``) are planned with the saved ``mapping`` (None: columns matched by name) and applied per ``apply``."""

    pattern: str
    mapping: str | None = None
    apply: str = "never"


def drop_rules() -> list[DropRule]:
    """The ``[[drop]]`` entries of config.toml, in order (the first whose pattern fits a file name wins).

    Keys: ``pattern`` (required), ``mapping`` (a saved mapping's name; it must exist), ``apply`` (``never``,
    the default, or ``when-clean``). A key or value that cannot be used is a ConfigError saying which and what
    to write."""
    entries = load_config_file().get("drop", [])
    example = '[[drop]] then pattern = "hr-*.csv", mapping = "NAME", apply = "never" or "when-clean"'
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{config_file()}: drop must be a list of tables: {example}")
    rules = []
    for number, entry in enumerate(entries, 1):
        where = f"{config_file()} [[drop]] #{number}"
        unknown = sorted(set(entry) - {"pattern", "mapping", "apply"})
        if unknown:
            raise ConfigError(f"{where}: {', '.join(unknown)} is not a drop setting; they are pattern, mapping, apply")
        pattern, mapping, apply = entry.get("pattern"), entry.get("mapping"), entry.get("apply", "never")
        if not isinstance(pattern, str) or not pattern.strip() or "/" in pattern:
            raise ConfigError(f'{where}: pattern must be a file name pattern without "/", e.g. pattern = "hr-*.csv"')
        if apply not in DROP_APPLY:
            raise ConfigError(f'{where}: apply = {apply!r} cannot be used: write apply = "never" (an admin applies '
                              'the saved plan) or apply = "when-clean"')
        if mapping is not None and (not isinstance(mapping, str) or not mapping_path(mapping).is_file()):
            raise ConfigError(f"{where}: mapping = {mapping!r} is not a saved mapping: save one in the import "
                              "wizard (w) or with roster import --save-mapping NAME, or remove the line")
        rules.append(DropRule(pattern.strip(), mapping, apply))
    return rules


@dataclass(frozen=True)
class SshLimits:
    """The ``[ssh]`` table of config.toml: what ``roster ssh`` allows (0 or false: no limit)."""

    max_sessions_per_person: int = 3
    max_sessions: int = 50
    idle_timeout: float = 1800.0  # seconds without a key pressed before a console session is closed
    auth_delay: float = 2.0  # seconds a refused key waits before it is told


def ssh_limits() -> SshLimits:
    """``[ssh]`` of config.toml over :class:`SshLimits`' defaults; a key or value that cannot be used is a
    ConfigError saying which and what to write."""
    table = load_config_file().get("ssh", {})
    where = f"{config_file()} [ssh]"
    if not isinstance(table, dict):
        raise ConfigError(f"{config_file()}: ssh must be a table: an [ssh] line, then e.g. max_sessions = 20")
    defaults = SshLimits()
    values: dict[str, float] = {}
    for key, raw in table.items():
        if key not in SshLimits.__dataclass_fields__:
            raise ConfigError(f"{where}: {key} is not a setting; the settings are "
                              f"{', '.join(SshLimits.__dataclass_fields__)}")
        if raw is False:
            raw = 0
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0 \
                or (key.startswith("max_") and not isinstance(raw, int)):
            kind = "a whole number" if key.startswith("max_") else "a number of seconds"
            raise ConfigError(f"{where}: {key} = {raw!r} cannot be used: write {kind} (0 or false: no limit), or "
                              f"remove the line (the default is {getattr(defaults, key):g})")
        values[key] = raw
    return SshLimits(**values)  # type: ignore[arg-type]


def anomaly_limits() -> AnomalyLimits:
    """When an import's anomalies are called out: the ``[anomalies]`` table of config.toml over the defaults
    (:mod:`roster_tui.core.anomaly_limits`); ``false`` turns a check off. A key or value that cannot be used is a
    ConfigError saying which and what to write."""
    # imported here, as for the guards
    from roster_tui.core.anomaly_limits import SETTINGS, SWITCHES, AnomalyLimits, setting_value

    def fix(key: str, exc: ValueError) -> str:
        off = ", or false to turn the check off" if key in SWITCHES else ""
        return f"{exc}{off} (the default is {getattr(AnomalyLimits(), key)})"

    values = _settings_table("anomalies", "an [anomalies] line, then e.g. clears = 50", SETTINGS, "setting",
                             setting_value, fix)
    return AnomalyLimits().with_values(values)


@dataclass(frozen=True)
class ApiSettings:
    """The roster API to use: a URL and token, or ``url=None`` for the embedded service on ``db``."""

    url: str | None
    token: str | None
    db: str

    @property
    def source(self) -> str:
        return self.url or f"embedded: {self.db}"

    def __repr__(self) -> str:  # never show the token
        return f"ApiSettings(url={self.url!r}, db={self.db!r}, token={'set' if self.token else 'none'})"


#: What a bearer token may hold (RFC 6750 b64token): no spaces, no line breaks, nothing beyond ASCII.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def check_token(token: str, where: str) -> str:
    """``token`` if it can be sent as a bearer token; else a ConfigError saying where it came from."""
    if not _TOKEN.fullmatch(token):
        raise ConfigError(f"{where} holds characters a token cannot have (spaces, line breaks or non-ASCII "
                          "letters): it takes letters, digits and - . _ ~ + / =")
    return token


def resolve_api(api: str | None = None, token_file: str | None = None, db: str | None = None) -> ApiSettings:
    """Settle the API URL and token from flags, environment and the config file."""
    file_cfg = load_config_file()
    url = api or os.environ.get("ROSTER_API_URL") or file_cfg.get("api_url")
    token = None
    token_path = token_file or (None if os.environ.get("ROSTER_API_TOKEN") else file_cfg.get("token_file"))
    if token_path:
        try:
            token = read_secret_file(Path(str(token_path)).expanduser())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"token file: {exc}") from None
    else:
        token = os.environ.get("ROSTER_API_TOKEN") or None
    if token is not None:
        check_token(token, "the token file" if token_path else "ROSTER_API_TOKEN")
    database = db or os.environ.get("ROSTER_DB") or str(file_cfg.get("db") or default_db())
    return ApiSettings(url=str(url).rstrip("/") if url else None, token=token, db=database)
