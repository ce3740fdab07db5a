"""The storage package speaks its own language: it imports nothing of the service around it."""

from __future__ import annotations

import ast
from pathlib import Path

import roster_tui.server.storage as storage_package

STORAGE = Path(storage_package.__file__).parent
#: The one exception: ``sql_filter`` (and ``group_filter``, for Groups) compiles the parsed SCIM filters (their
#: syntax tree and the schema attributes they name) to SQL. That tree lives in ``server/filters.py`` beside its
#: parser for now.
ALLOWED = {("sql_filter.py", "roster_tui.server.filters"), ("group_filter.py", "roster_tui.server.filters"),
           ("sql_sort.py", "roster_tui.server.filters")}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside functions, relative imports made absolute."""
    package = "roster_tui.server.storage"
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
    return names


def test_storage_imports_nothing_of_the_server_outside_storage() -> None:
    files = sorted(STORAGE.rglob("*.py"))
    assert {p.name for p in files} >= {"sql.py", "sql_filter.py", "errors.py", "documents.py"}
    offenders = sorted((str(p.relative_to(STORAGE)), name) for p in files for name in imported_modules(p)
                       if (name == "roster_tui.server" or name.startswith("roster_tui.server."))
                       and not name.startswith("roster_tui.server.storage")
                       and (str(p.relative_to(STORAGE)), name) not in ALLOWED)
    assert offenders == []
