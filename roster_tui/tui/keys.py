"""The console's key bindings by id: what the ``[keys]`` table of config.toml can rebind (docs/CONSOLE.md).

Every ``Binding`` of the console has an id (``"roster.search"``); the app hands the table to Textual's
``App.set_keymap``, which puts the keys given for an id in place of the binding's own.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator

from textual.binding import Binding
from textual.dom import DOMNode

PACKAGE = "roster_tui.tui."


def _import_console() -> None:
    """Import every module of the console: some screens load only when first opened (a faster start)."""
    import roster_tui.tui as console  # the package whose modules are walked; a top-level import would be a cycle

    for module in pkgutil.walk_packages(console.__path__, PACKAGE):
        importlib.import_module(module.name)


def console_bindings() -> Iterator[tuple[type[DOMNode], Binding]]:
    """The bindings that the console's classes declare, in class order."""
    _import_console()
    seen: set[type[DOMNode]] = set()
    stack: list[type[DOMNode]] = [DOMNode]
    found: list[type[DOMNode]] = []
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if sub.__module__.startswith(PACKAGE):
                    found.append(sub)
    for cls in sorted(found, key=lambda c: (c.__module__, c.__qualname__)):
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding):
                yield cls, binding


def binding_ids() -> set[str]:
    """The id of every binding of the console."""
    return {binding.id for _cls, binding in console_bindings() if binding.id}


def unknown_ids(ids: Iterable[str]) -> list[str]:
    """The ids of ``ids`` that name no binding of the console, sorted."""
    ids = list(ids)
    if not ids:  # nothing configured: nothing to check, and no screen loaded before it is needed
        return []
    known = binding_ids()
    return sorted(i for i in ids if i not in known)
