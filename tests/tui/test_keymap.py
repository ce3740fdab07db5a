"""The ``[keys]`` table of config.toml rebinds the console's keys by binding id; ids it does not know are reported
once, and docs/CONSOLE.md lists every id with its default keys (rewrite it: ROSTER_WRITE_DOCS=1)."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.widgets import Input

from roster_tui.config import ApiSettings, ConfigError, keymap
from roster_tui.core.anomaly_limits import AnomalyLimits
from roster_tui.core.guards import Limits
from roster_tui.tui.keys import console_bindings, unknown_ids
from roster_tui.tui.screens.roster import RosterScreen

from .conftest import Embedded, settle, wait_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "CONSOLE.md"
BEGIN, END = "<!-- binding ids: begin (written by tests/tui/test_keymap.py) -->", "<!-- binding ids: end -->"


def keys_table() -> str:
    """The Markdown table of every binding id, its default keys and what it does, from the code."""
    rows: dict[str, tuple[list[str], str]] = {}
    for _cls, binding in console_bindings():
        assert binding.id is not None
        keys, _what = rows.setdefault(binding.id, ([], binding.tooltip or binding.description))
        keys.extend(k.strip() for k in binding.key.split(",") if k.strip() not in keys)
    lines = ["| Binding id | Default keys | What it does |", "| --- | --- | --- |"]
    lines += [f"| `{i}` | `{','.join(keys)}` | {what} |" for i, (keys, what) in sorted(rows.items())]
    return "\n".join(lines)


def test_the_doc_lists_every_binding_id_with_its_default_keys() -> None:
    text = DOC.read_text()
    head, rest = text.split(BEGIN)
    _old, tail = rest.split(END)
    wanted = f"{head}{BEGIN}\n{keys_table()}\n{END}{tail}"
    if os.environ.get("ROSTER_WRITE_DOCS") and text != wanted:
        DOC.write_text(wanted)
        text = wanted
    assert text == wanted, "docs/CONSOLE.md is out of date: ROSTER_WRITE_DOCS=1 pytest tests/tui/test_keymap.py"


def search_shown(app: object) -> bool:
    search = app.screen.query_one("#search", Input)  # type: ignore[attr-defined]
    return bool(search.display and search.has_focus)


async def test_a_binding_is_rebound_by_its_id(embedded: Embedded) -> None:
    app = embedded.app(keymap={"roster.search": "ctrl+f", "profile.back": "ctrl+b,escape"})
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash")  # the default key no longer searches
        await pilot.pause()
        assert not search_shown(app)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: search_shown(app))
        assert isinstance(app.screen, RosterScreen)
        assert not app._notifications  # nothing to report  # type: ignore[attr-defined]


async def test_unknown_binding_ids_are_reported_once_and_the_defaults_stay(embedded: Embedded) -> None:
    app = embedded.app(keymap={"roster.serch": "ctrl+f", "nothing": "z", "roster.refresh": "f5"})
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        [note] = list(app._notifications)  # type: ignore[attr-defined]
        assert note.severity == "warning"
        assert "no binding has the id nothing, roster.serch" in note.message and "docs/CONSOLE.md" in note.message
        await pilot.press("slash")  # the misspelt id rebound nothing
        await wait_for(pilot, lambda: search_shown(app))
        assert isinstance(app.screen, RosterScreen) and app.is_running


def test_unknown_ids_are_those_no_binding_has() -> None:
    assert unknown_ids(["roster.search", "wizard.back", "app.help", "roster.serch"]) == ["roster.serch"]


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path))
    (tmp_path / "config.toml").write_text(text)


def test_the_keys_table_is_read_from_config_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, monkeypatch, 'api_url = "http://x"\n[keys]\n"roster.search" = "ctrl+f,f3"\n')
    assert keymap() == {"roster.search": "ctrl+f,f3"}
    write_config(tmp_path, monkeypatch, 'api_url = "http://x"\n')
    assert keymap() == {}


@pytest.mark.parametrize("table", ['keys = "ctrl+f"\n', '[keys]\n"roster.search" = 3\n',
                                   '[keys]\n"roster.search" = ["ctrl+f"]\n', '[keys]\n"roster.search" = " "\n'])
def test_a_keys_table_of_the_wrong_shape_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    table: str) -> None:
    write_config(tmp_path, monkeypatch, table)
    with pytest.raises(ConfigError, match=r"\[keys\]"):
        keymap()


def test_the_console_is_started_with_the_keys_of_config_toml(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, monkeypatch, '[keys]\n"roster.search" = "ctrl+f"\n[guards]\nmax_deletions = 5\n'
                                        '[anomalies]\nclears = 7\n')
    started: dict[str, object] = {}

    @asynccontextmanager
    async def open_client(settings: ApiSettings, **options: object):  # type: ignore[no-untyped-def]
        yield "client"

    class Started:
        async def run_async(self) -> None:
            pass

    def create_app(client: object, **options: object) -> Started:
        started.update(options, client=client)
        return Started()

    from roster_tui.cli import console_cmd

    monkeypatch.setattr(console_cmd, "open_client", open_client)
    monkeypatch.setattr(console_cmd, "create_app", create_app)
    monkeypatch.setenv("ROSTER_DATA_DIR", str(tmp_path / "data"))
    assert console_cmd.run_console(ApiSettings("http://roster.invalid", "t", "roster.db")) == 0
    limits = started.pop("limits")
    assert started.pop("anomalies") == AnomalyLimits(clears=7)  # and its [anomalies]
    assert started == {"client": "client", "source": "http://roster.invalid", "keymap": {"roster.search": "ctrl+f"}}
    assert limits == Limits(max_deletions=5)  # the guards of config.toml too
