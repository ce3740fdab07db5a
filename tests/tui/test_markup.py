"""User data is text, never markup: hostile values walk every screen, and a guard keeps the widgets plain.

A title such as ``Sales [/EMEA]`` read as Textual/Rich markup raises MarkupError and closes the console of every
admin who gets that user on screen; ``[@click=...]`` or ``[link=...]`` would even make it act. Everything shown
comes from users, the service (its error details quote values), files or what the admin typed, so every widget
of the console renders plain text. The Pilot tests put such values everywhere, through the real service, and
check they are on screen as written; :func:`test_tui_widgets_never_parse_markup` keeps new code plain.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

import roster_tui.tui
from roster_tui.core.scim import user_from_scim
from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import RosterApp, create_app
from roster_tui.tui.screens.conflict import ConflictScreen
from roster_tui.tui.screens.dialogs import ConfirmScreen
from roster_tui.tui.screens.frequency import FrequencyScreen
from roster_tui.tui.screens.profile import ProfileScreen
from roster_tui.tui.screens.removal import RemovalScreen
from roster_tui.tui.screens.removal_result import RemovalRunScreen
from roster_tui.tui.screens.roster import RosterScreen
from roster_tui.tui.screens.terms_list import TermsListScreen
from roster_tui.tui.widgets.roster_table import RosterTable
from tests.conftest import assign_training
from tests.server.helpers import user_body

from .conftest import Embedded, screen_text, settle, wait_for

# -- the guard ---------------------------------------------------------------------------------------------
#
# Textual's Static and Label (and OptionList's string prompts) parse their text as markup unless built with
# markup=False, and an unbalanced "[/x]" in the text then raises MarkupError, which ends the app. Every one of
# them in roster_tui/tui is built plain, so a user value can never be read as markup, however it gets there
# (update(), a subclass, a message quoting it). Styled text is built as rich.text.Text instead. Notifications
# are plain because RosterApp.notify always passes markup=False on (Widget.notify would pass markup=True).

TUI = Path(roster_tui.tui.__file__).parent
#: Widgets whose text is parsed as markup unless they are built with ``markup=False``.
MARKUP_WIDGETS = frozenset({"Static", "Label", "OptionList"})
#: Calls that parse markup whatever they are given.
MARKUP_PARSERS = frozenset({"from_markup", "render_markup"})
#: Files being rewritten elsewhere; tolerated while they still fail (remove the entry once they pass).
PENDING: dict[str, str] = {}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _markup_off(call: ast.Call) -> bool:
    return any(k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords)


def _is_super_call(call: ast.Call, method: str) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == method and isinstance(func.value, ast.Call)
            and _name(func.value.func) == "super")


def markup_violations(path: Path) -> list[str]:
    """Where the module at ``path`` builds a widget that parses markup, or parses markup itself."""
    where = path.relative_to(TUI).as_posix()
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef) and {_name(b) for b in node.bases} & MARKUP_WIDGETS:
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            calls = [c for c in ast.walk(init) if isinstance(c, ast.Call) and _is_super_call(c, "__init__")] \
                if init is not None else []
            if not calls or not all(_markup_off(c) for c in calls):
                found.append((node.lineno, f"class {node.name} must call super().__init__(..., markup=False)"))
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name in MARKUP_WIDGETS and not _markup_off(node):
                found.append((node.lineno, f"{name}(...) without markup=False"))
            elif name == "notify" and any(k.arg == "markup" for k in node.keywords) and not _markup_off(node):
                found.append((node.lineno, "notify(...) asks for markup"))
            elif name in MARKUP_PARSERS:
                found.append((node.lineno, f"{name}(...) parses markup"))
    return [f"{where}:{line}: {what}" for line, what in sorted(found)]


def test_tui_widgets_never_parse_markup() -> None:
    problems = [v for path in sorted(TUI.rglob("*.py")) if path.relative_to(TUI).as_posix() not in PENDING
                for v in markup_violations(path)]
    assert not problems, "user data would be read as markup:\n" + "\n".join(problems)


def test_every_notification_is_plain_text() -> None:
    """RosterApp.notify passes markup=False to Textual whatever it is asked (Widget.notify asks for markup)."""
    tree = ast.parse((TUI / "app.py").read_text(encoding="utf-8"))
    app = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RosterApp")
    notify = next((n for n in app.body if isinstance(n, ast.FunctionDef) and n.name == "notify"), None)
    assert notify is not None, "RosterApp must override notify"
    calls = [c for c in ast.walk(notify) if isinstance(c, ast.Call) and _is_super_call(c, "notify")]
    assert calls and all(_markup_off(c) for c in calls)


# -- hostile values ----------------------------------------------------------------------------------------

COMBINING = "Zoe\u0308"  # e + combining diaeresis
RLO = "\u202e"  # right-to-left override
#: A user whose every text field would break or act as markup (each value fits its roster column).
ZED = {"given": "[b]Zed[/b]", "family": f"{COMBINING} [/x]", "email": "zed\U0001f680@corp.example",
       "employeeNumber": "[/E1]", "title": "Sales [/EMEA]", "department": "[/x]",
       "division": "[link=https://evil.example]Ops[/link]", "location": "C:\\[x]\\ 火", "hireDate": "2020-01-02"}
#: A second one: actions, links, right-to-left override, emoji.
QUI = {"given": "[@click=app.quit]Q[/]", "family": f"{RLO}Qui", "email": "qui.user@corp.example",
       "employeeNumber": "[b]E2", "title": "[link=https://evil.example]Boss[/link]", "department": "[/x]",
       "division": "\\[/x]", "location": "\U0001f680 Zoe\u0308", "hireDate": "2021-03-04"}
COURSE = "[/course] Fire & [b]Safety"


def name_of(person: dict[str, str]) -> str:
    return f"{person['given']} {person['family']}"


async def create(api: RosterClient, person: dict[str, str]) -> dict[str, Any]:
    fields = {k: v for k, v in person.items() if k not in ("given", "family", "email")}
    return await api.create_user(user_body(person["email"], given=person["given"], family=person["family"],
                                           **fields))


def assert_shown(app: RosterApp, *values: str) -> None:
    """Each of ``values`` is on screen exactly as written."""
    text = screen_text(app)
    missing = [v for v in values if v not in text]
    assert not missing, f"not on screen: {missing!r}\n{' '.join(text[text.rfind('}') + 1:].split())}"


async def search(pilot: Pilot, text: str, expected: int) -> RosterTable:
    table = pilot.app.screen.query_one(RosterTable)
    await pilot.press("slash", *text, "enter")
    await wait_for(pilot, lambda: table.query_in_effect.search == text and table.total == expected)
    await settle(pilot)
    return table


async def open_profile(pilot: Pilot, employee_id: str) -> ProfileScreen:
    await search(pilot, employee_id, 1)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProfileScreen))
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


async def set_field(pilot: Pilot, screen: ProfileScreen, key: str, value: str) -> None:
    field = screen.query_one(f"#f-{key}", Input)
    screen.set_focus(field)
    await pilot.pause()
    field.value = value  # typed at once: the keys of emoji and combining marks are not what matters here
    await pilot.pause()


# -- the roster --------------------------------------------------------------------------------------------


async def test_roster_search_filter_source_and_notifications(embedded: Embedded, api: RosterClient) -> None:
    await create(api, ZED)
    await create(api, QUI)
    source = "embedded: /srv/[/x]/roster [b].db"
    app = create_app(embedded.client(), source=source)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        assert_shown(app, f"source: {source}")
        table = await search(pilot, "[/", 2)
        assert_shown(app, 'search "[/"', name_of(ZED), ZED["email"], ZED["employeeNumber"], ZED["title"],
                     ZED["department"], ZED["location"], QUI["employeeNumber"], QUI["title"][:21] + "…",
                     QUI["location"], name_of(QUI)[:20])
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.query_in_effect.search == "")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, FrequencyScreen) and app.screen.counts is not None)
        await pilot.press(*"[/x]", "enter")
        await wait_for(pilot, lambda: table.query_in_effect.department == "[/x]" and table.total == 2)
        await settle(pilot)
        assert_shown(app, 'department "[/x]"', ZED["title"])
        app.screen.notify("Hostile [/x] [@click=app.quit]toast[/]", markup=True)  # Widget.notify asks for markup
        await wait_for(pilot, lambda: "Hostile" in screen_text(app))
        assert_shown(app, "Hostile [/x] [@click=app.quit]toast[/]")
        assert isinstance(app.screen, RosterScreen)


# -- the profile -------------------------------------------------------------------------------------------


async def test_profile_title_fields_training_history_and_messages(embedded: Embedded, api: RosterClient) -> None:
    zed = await create(api, ZED)
    assign_training(embedded.storage, zed["id"], [{"course": COURSE, "status": "in_progress"}])
    app = embedded.app()
    async with app.run_test(size=(160, 60), notifications=True) as pilot:
        await settle(pilot)
        screen = await open_profile(pilot, ZED["employeeNumber"])
        assert screen.user.title == ZED["title"]
        assert_shown(app, f"Profile: {name_of(ZED)} <{ZED['email']}>", ZED["title"], ZED["department"],
                     ZED["division"], ZED["location"], ZED["employeeNumber"], COURSE, "in progress")
        # a typed value quoted back by its error message
        await set_field(pilot, screen, "email", "a[/x]@corp.example")
        await wait_for(pilot, lambda: "[/x]" in str(screen.query_one("#e-email").render()))
        assert_shown(app, "'a[/x]@corp.example' is not a valid email")
        await set_field(pilot, screen, "email", ZED["email"])
        await set_field(pilot, screen, "title", "[/new] [@click=app.quit]T[/]")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.saved_something)
        await settle(pilot)
        assert_shown(app, f"Saved {name_of(ZED)}.", f"Saved {name_of(ZED)}",  # banner, notification
                     f"title: {ZED['title']} → [/new] [@click=app.quit]T[/]")  # the history
        assert user_from_scim(await api.get_user(zed["id"])).title == "[/new] [@click=app.quit]T[/]"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))


async def test_conflict_dialog_shows_both_hostile_versions(embedded: Embedded, api: RosterClient) -> None:
    zed = await create(api, ZED)
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = await open_profile(pilot, ZED["employeeNumber"])
        await api.patch_user(zed["id"], [{"op": "replace", "path": "title", "value": "[/theirs] Title"}])
        await set_field(pilot, screen, "title", "[/mine] Title")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await settle(pilot)
        assert_shown(app, f"{name_of(ZED)} was changed by someone else", "[/theirs] Title", "[/mine] Title",
                     ZED["department"])
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert screen.query_one("#f-title", Input).value == "[/theirs] Title"


# -- removal -----------------------------------------------------------------------------------------------


async def test_removal_preview_confirmation_and_result(embedded: Embedded, api: RosterClient) -> None:
    zed = await create(api, ZED)
    await create(api, QUI)
    assign_training(embedded.storage, zed["id"], [{"course": COURSE, "status": "in_progress"}])
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = await search(pilot, "[/", 2)
        await pilot.press("space", "space", "R")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalScreen) and app.screen.choices is not None)
        screen = app.screen
        await settle(pilot)
        assert_shown(app, "Remove users · 2 marked", ZED["email"], name_of(ZED), QUI["email"], name_of(QUI))
        screen.query_one("#removal-rows").highlighted = [r.email for r in screen.choices.plan().rows].index(
            ZED["email"])
        await pilot.press("x")  # refused: it has a training assignment; the banner names the user
        assert_shown(app, f"{ZED['email']} cannot be deleted")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalRunScreen) and app.screen.finished)
        await settle(pilot)
        assert_shown(app, "Done: 2 applied", f"deactivated {ZED['email']} ({name_of(ZED)})",
                     f"deactivated {QUI['email']} ({name_of(QUI)})")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        assert table.marked == {}


async def test_terms_list_pasted_and_loaded_with_hostile_keys(embedded: Embedded, api: RosterClient,
                                                              tmp_path: Path) -> None:
    await create(api, ZED)
    terms = tmp_path / "[" / "x] terms [b] [@click=app.bell].txt"  # the path reads ".../[/x] terms ..."
    terms.parent.mkdir()
    terms.write_text("[/nobody]\n", encoding="utf-8")
    app = embedded.app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        area = app.screen.query_one(TextArea)
        app.post_message(events.Paste(f"{ZED['employeeNumber']}\n[/nobody][@click=app.quit]x[/]\n"))
        await wait_for(pilot, lambda: area.text.count("\n") == 2)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalScreen) and app.screen.choices is not None)
        await settle(pilot)
        assert_shown(app, "Remove users · pasted list (2 keys)", ZED["employeeNumber"], ZED["email"],
                     "[/nobody][@click=app.quit]x[/]")
        await pilot.press("end", "x")  # an error row: the banner quotes the key
        await wait_for(pilot, lambda: "[/nobody][@click=app.quit]x[/]: " in screen_text(app))
        assert_shown(app, "[/nobody][@click=app.quit]x[/]: ")
        await pilot.press("escape")  # back to the pasted text, then to the roster
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        app.screen.query_one("#terms-path", Input).value = str(terms)
        app.screen.query_one("#terms-path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RemovalScreen) and app.screen.choices is not None)
        await settle(pilot)
        assert_shown(app, f"Remove users · {terms.name} (1 key)", "[/nobody]")
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen))
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TermsListScreen))
        missing = terms.parent / "missing] [b].csv"
        app.screen.query_one("#terms-path", Input).value = str(missing)
        app.screen.query_one("#terms-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TermsListScreen)
        assert_shown(app, str(missing))


# -- the import wizard -------------------------------------------------------------------------------------

#: Headers that still map to their fields (only letters count) but break as markup, and one not imported.
HEADER = ["[/Email]", "First Name [/]", "Last Name [/]", "[/Title]", "Department [/]", "[/]Division",
          "[/Location]", "Employee ID [/]", "Hire Date [/]", "[/col] Notes"]
NOVA = ["nova\U0001f680@corp.example", "[b]Nova[/b]", f"{COMBINING} [/x]", "Sales [/EMEA]", "[/x]",
        "[link=https://evil.example]Ops[/link]", "C:\\[x]\\ 火", "[/N1]", "2024-01-02", "[@click=app.quit]n[/]"]
ZED_ROW = [ZED["email"], "", "", "[/imported] Title", "", "", "", "", "", ""]
BAD = ["bad[/x]@corp.example", "[/Bad]", f"{RLO}Row", "", "", "", "", "[/B1]", "[/2020]", ""]
