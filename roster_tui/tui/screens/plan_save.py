"""The import preview's ``s``: save the plan to a file, to apply later from the history (``o``) or with ``roster
apply``. The file holds each write with its user's version as planned, and the service it was planned against."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from roster_tui.core.wording import plural
from roster_tui.files import confined
from roster_tui.sync.saved_plan import file_source, plan_document, write_plan_file
from roster_tui.tui.screens.dialogs import PromptScreen
from roster_tui.tui.wizard_state import WizardState

if TYPE_CHECKING:
    from roster_tui.tui.screens.wizard_base import WizardStep


def default_plan_path(csv_path: str) -> str:
    """``new_hires.plan.json`` beside ``new_hires.csv``."""
    path = Path(csv_path)
    return str(path.with_name(f"{path.stem}.plan.json"))


def import_source(state: WizardState) -> dict[str, Any]:
    """What the change journal records of the file imported: its name, SHA-256 and rows (the name alone when
    it can no longer be read)."""
    assert state.prepared is not None
    path = state.prepared.csv.info.path
    try:
        return file_source(path, state.prepared.scan.rows, state.prepared.mapping_key)
    except OSError:
        return {"file": Path(path).name, "rows": state.prepared.scan.rows, "mapping": state.prepared.mapping_key}


def write_import_plan(state: WizardState, path: str, service: str) -> int:
    """Write the wizard's plan (planned against ``service``) to ``path``; the number of writes it holds."""
    assert state.plan is not None
    document = plan_document(state.plan, service, import_source(state))
    write_plan_file(document, confined(path))
    return len(document["rows"])


def why_not_saved(state: WizardState) -> str | None:
    """Why the plan cannot be saved as it stands (None: it can)."""
    plan = state.plan
    if plan is None:
        return "Nothing planned yet."
    if plan.refusal:
        return "The full sync could not be planned: turn it off (F) first."
    if plan.held:
        return "The plan is held by its guards: pass them (!) first, or it could be applied past them later."
    if not plan.changes:
        return "Nothing to save: every row is unchanged or has errors."
    return None


def save_plan(step: WizardStep) -> None:
    """Ask where (beside the CSV file by default), then write the plan in a thread and say how to apply it."""
    if (refused := why_not_saved(step.state)) is not None:
        step.notify(refused, severity="warning", timeout=4)
        return

    async def save(path: str) -> None:
        try:
            writes = await step.in_thread(write_import_plan, step.state, path, step.console.source)
        except OSError as exc:
            step.notify(f"Not saved: {exc.strerror or exc}", severity="error", timeout=5)
            return
        step.notify(f"Plan saved to {path} ({plural(writes, 'write')}): o on the history (H on the roster) "
                    "applies it.", timeout=6)

    def chosen(path: str | None) -> None:
        if path and path.strip():
            step.run_task(save(path.strip()), group="save-plan")

    step.app.push_screen(PromptScreen("Save the plan to a file, to apply later (o on the history):",
                                      default_plan_path(step.state.path)), chosen)
