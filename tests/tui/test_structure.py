"""The console's code keeps its shape: its imports form no cycle, screens know the app only as a ``Console``,
workers run through ``run_task``, and every key binding has an id (what config.toml's ``[keys]`` rebinds)."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from collections import Counter
from pathlib import Path

from roster_tui.scim.client import RosterClient
from roster_tui.tui.app import create_app
from roster_tui.tui.context import Console
from roster_tui.tui.keys import console_bindings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "roster_tui" / "tui"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, tuple[Path, ast.Module]]:
    return {module_name(p): (p, ast.parse(p.read_text(), str(p))) for p in sorted(PACKAGE.rglob("*.py"))}


def imported(module: str, path: Path, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The console's modules that ``node`` (in ``module``) imports: ``from X import Y`` is X.Y when that is one."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([base] if base else [])])
        names = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
    found = set()
    for name in names:
        parts = name.split(".")
        # importing a.b.c runs a/__init__ and a/b/__init__ first
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in known)
    return found


def import_graph() -> dict[str, set[str]]:
    """Every module of roster_tui.tui and the modules of it that it imports, wherever the import statement is
    (module level, TYPE_CHECKING blocks, functions)."""
    modules = sources()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, (path, tree) in modules.items():
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= imported(module, path, node, known)
        graph[module] = edges - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the modules along it (first one repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_names_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_console_imports_form_no_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 20 and "roster_tui.tui.screens.roster" in graph["roster_tui.tui.app"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_screen_or_widget_imports_the_app() -> None:
    graph = import_graph()
    assert [m for m, edges in graph.items() if "roster_tui.tui.app" in edges] == []


def module_level_imports(tree: ast.Module) -> set[ast.AST]:
    """Imports at module level, in its ``if TYPE_CHECKING:`` / ``try:`` blocks included."""
    found: set[ast.AST] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.add(node)
        elif isinstance(node, ast.If | ast.Try):
            stack.extend([*node.body, *node.orelse, *getattr(node, "finalbody", []),
                          *(s for h in getattr(node, "handlers", []) for s in h.body)])
    return found


def test_imports_inside_functions_say_why() -> None:
    unexplained = []
    for module, (path, tree) in sources().items():
        text = path.read_text()
        comments = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                    if tok.type == tokenize.COMMENT}
        top = module_level_imports(tree)
        for node in ast.walk(tree):
            explained = {node.lineno, node.lineno - 1} & comments if hasattr(node, "lineno") else set()
            if isinstance(node, ast.Import | ast.ImportFrom) and node not in top and not explained:
                unexplained.append(f"{module}:{node.lineno}")
    assert unexplained == [], "a function-level import needs a comment saying why (or move it to the top)"


def test_workers_run_through_run_task() -> None:
    """``run_task`` shows a failing worker to the admin; a bare ``run_worker`` would fail silently."""
    bare = []
    for module, (_path, tree) in sources().items():
        if module == "roster_tui.tui.tasks":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "run_worker":
                bare.append(f"{module}:{node.lineno}")
            if isinstance(node, ast.keyword) and node.arg == "exit_on_error":
                bare.append(f"{module}:{node.value.lineno}")
    assert bare == []


def binding_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for module, (_path, tree) in sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Binding":
                calls.append((module, node))
    return calls


def test_every_binding_has_an_id_and_the_app_finds_it() -> None:
    calls = binding_calls()
    missing = [f"{m}:{c.lineno}" for m, c in calls if not any(k.arg == "id" for k in c.keywords)]
    assert missing == [], "give these bindings an id (docs/CONSOLE.md lists them)"
    in_code = {ast.literal_eval(k.value) for _m, c in calls for k in c.keywords if k.arg == "id"}
    found = list(console_bindings())
    assert len(found) == len(calls)  # every Binding of the code, as the app sees them (the keymap's check)
    assert {b.id for _cls, b in found} == in_code


def test_console_messages_name_no_command_line_flag() -> None:
    """The console's messages name its keys: a flag (``--token-file``) is of no use to an admin inside it."""
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]*")  # not a CSS component class (``counts-bar--selected``)
    found = []
    for module, (_path, tree) in sources().items():
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{module}:{node.lineno} {flag.findall(node.value)}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and flag.search(node.value)]
    assert found == []


def test_a_binding_id_is_one_binding_or_the_same_action_on_the_same_keys() -> None:
    """An id names what the admin rebinds: bindings that share one (the wizard's back) must do the same thing."""
    variants: dict[str, set[tuple[str, str]]] = {}
    for _cls, binding in console_bindings():
        assert binding.id and binding.id.count(".") >= 1 and binding.id == binding.id.lower()
        variants.setdefault(binding.id, set()).add((binding.key, binding.action))
    assert {i: v for i, v in variants.items() if len(v) > 1} == {}
    counts = Counter(b.id for _cls, b in console_bindings())
    assert {i for i, n in counts.items() if n > 1} == {"wizard.back"}


async def test_the_app_is_the_console_its_screens_ask_for() -> None:
    client = RosterClient("http://roster.invalid/scim/v2", "t")
    try:
        app = create_app(client, source="test")
        assert isinstance(app, Console)
        assert app.client is client and app.source == "test"
    finally:
        await client.aclose()


def test_the_screens_the_roster_opens_stay_out_of_the_start() -> None:
    """The profile, removal, terms list and wizard load after the first rows (benchmarks/startup.py: start-up)."""
    code = ("import sys, roster_tui.cli.console_cmd, roster_tui.tui.app; "
            "print(sorted(m for m in sys.modules if m.startswith('roster_tui.tui.screens.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in ("profile", "removal", "terms_list", "wizard_file", "wizard_preview"):
        assert f"roster_tui.tui.screens.{name}'" not in loaded, loaded
    assert "roster_tui.tui.screens.roster'" in loaded
