"""The import wizard with hostile headers and cells: every value shown as text, never markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roster_tui.core.scim import user_from_scim
from roster_tui.scim.client import RosterClient
from roster_tui.tui.screens.dialogs import ConfirmScreen, PickScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.wizard_apply import ResultStep
from roster_tui.tui.screens.wizard_file import FileStep
from roster_tui.tui.screens.wizard_mapping import MappingStep
from roster_tui.tui.screens.wizard_preview import DiffScreen, PreviewStep
from roster_tui.tui.screens.wizard_validation import ValidationStep

from .conftest import Embedded, screen_text, settle, wait_for

# -- the guard ---------------------------------------------------------------------------------------------
#
# Textual's Static and Label (and OptionList's string prompts) parse their text as markup unless built with
# markup=False, and an unbalanced "[/x]" in the text then raises MarkupError, which ends the app. Every one of
# them in roster_tui/tui is built plain, so a user value can never be read as markup, however it gets there
# (update(), a subclass, a message quoting it). Styled text is built as rich.text.Text instead. Notifications
# are plain because RosterApp.notify always passes markup=False on (Widget.notify would pass markup=True).
from .test_markup import BAD, HEADER, NOVA, ZED, ZED_ROW, assert_shown, create


def quoted(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


@pytest.mark.slow
async def test_import_wizard_with_hostile_file_headers_and_cells(embedded: Embedded, api: RosterClient,
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(config))
    await create(api, ZED)
    path = tmp_path / "[" / "x] hostile [b].csv"  # the path reads ".../[/x] hostile [b].csv"
    path.parent.mkdir()
    path.write_text("\n".join(quoted(r) for r in (HEADER, NOVA, ZED_ROW, BAD)) + "\n", encoding="utf-8")
    config.mkdir()  # a hostile recent file is listed as the file step opens
    old = str(path.parent / "old] [b].csv")
    (config / "recent-imports.json").write_text(json.dumps({"files": [old]}))
    app = embedded.app()
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FileStep))
        await settle(pilot)
        assert_shown(app, old)
        await pilot.press(*str(path), "enter")
        await wait_for(pilot, lambda: "rows  ·" in screen_text(app))
        await settle(pilot)
        assert_shown(app, str(path), "[/Email]", "[/Title]", "[b]Nova[/b]", "Sales [/EMEA]", "[/N1]",
                     "C:\\[x]\\ 火")

        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingStep))
        await settle(pilot)
        assert_shown(app, str(path), "[/Email]", "First Name [/]", "[/col] Notes", "[b]Nova[/b]",
                     "→ Title (title)", "no field has this name")
        await pilot.press("f")  # the pick dialog names the column
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        assert_shown(app, "Import column '[/Email]' as:")
        await pilot.press("escape")
        await pilot.press("w", *"[b]saved", "enter")  # a saved mapping's name, in the notification and the list
        await settle(pilot)
        assert_shown(app, "[b]saved.toml")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        assert_shown(app, "[b]saved")
        await pilot.press("enter")
        await settle(pilot)
        assert_shown(app, "Mapping '[b]saved' loaded")

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ValidationStep) and app.screen.ready)
        await settle(pilot)
        assert_shown(app, str(path), "bad[/x]@corp.example", "[/2020]", "'[/2020]' is not an ISO date")
        await pilot.press("slash", *"[/", "enter")  # the search, shown back
        await settle(pilot)
        assert_shown(app, "search '[/'")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewStep) and bool(app.screen.groups))
        await settle(pilot)
        preview: PreviewStep = app.screen  # type: ignore[assignment]
        assert preview.kind == "create"
        assert_shown(app, NOVA[0], f"{NOVA[1]} {NOVA[2]}  · {NOVA[3]}, {NOVA[4]}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
        await settle(pilot)
        assert_shown(app, f"Create: {NOVA[0]} (line 2)", "[link=https://evil.example]Ops[/link]", "C:\\[x]\\ 火",
                     "[/N1]", "Sales [/EMEA]")
        await pilot.press("escape")
        await pilot.press("right")
        await wait_for(pilot, lambda: preview.kind == "update")
        assert_shown(app, ZED["email"], "title: Sales [/EMEA] → [/imported] Title")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
        await settle(pilot)
        assert_shown(app, f"Update: {ZED['email']} (line 3)", "[/imported] Title", ZED["department"],
                     ZED["location"])
        await pilot.press("escape")

        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultStep))
        await settle(pilot)
        assert_shown(app, "Applied 2", NOVA[0], ZED["email"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await settle(pilot)
    page = await api.list_users(filter=f'userName eq "{NOVA[0]}"', count=1)
    nova = user_from_scim(page.resources[0])
    assert (nova.first_name, nova.last_name, nova.title, nova.location) == tuple(NOVA[i] for i in (1, 2, 3, 6))
