"""How the HR drop folder words a dropped file's plan and apply: as ``roster import`` prints them."""

from __future__ import annotations

import io
from pathlib import Path

from roster_tui.cli.import_cmd import AGAIN, print_plan
from roster_tui.cli.runner import print_applied
from roster_tui.core.plan import Plan
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.drop import INCOMING, DropText
from roster_tui.sync.import_file import PreparedFile


def drop_text() -> DropText:
    """``roster import``'s printers, the dropped file named as the SFTP client sees it (not where it is here)."""

    def plan_text(prepared: PreparedFile, plan: Plan) -> str:
        out = io.StringIO()
        print_plan(prepared, plan, out)
        local = str(prepared.csv.info.path)
        return out.getvalue().replace(local, f"{INCOMING}/{Path(local).name}", 1)

    def applied_text(applied: ApplyResult) -> str:
        out = io.StringIO()
        print_applied(applied, lambda row: f"line {row.line} {row.key}", AGAIN.replace("import", "drop"), out)
        return out.getvalue()

    return DropText(plan_text, applied_text)
