"""Where the console's style sheets are: ``app.tcss`` for every screen, loaded at start; ``removal.tcss``,
``wizard.tcss`` and ``history.tcss`` by the screens that use them, when one is first shown (Textual then applies
them app-wide), so that the start parses a third of the CSS it did (benchmarks/startup.py)."""

from __future__ import annotations

from pathlib import Path

import roster_tui


def styles_dir() -> Path:
    """The ``styles`` directory: inside the installed package, else the source checkout's top-level one."""
    installed = Path(roster_tui.__file__).parent / "styles"
    if (installed / "app.tcss").exists():
        return installed
    return Path(__file__).resolve().parents[2] / "styles"


APP_CSS = styles_dir() / "app.tcss"
REMOVAL_CSS = styles_dir() / "removal.tcss"
WIZARD_CSS = styles_dir() / "wizard.tcss"
HISTORY_CSS = styles_dir() / "history.tcss"
#: The history's screens: their own sheet, and the removal's and the wizard's, whose ids and classes they share
#: (the run's progress and counts, the preview's lines).
HISTORY_SHEETS: list[str | Path] = [REMOVAL_CSS, WIZARD_CSS, HISTORY_CSS]
