"""The HR drop folder's planning: a file dropped into ``incoming/`` is planned, and its plan written to ``outgoing/``.

A file is planned with the first ``[[drop]]`` rule of config.toml its name fits (its saved mapping; none fits:
columns matched by name, and never applied). Into ``outgoing/`` go, for ``NAME.csv``: ``NAME.plan.txt`` (what
``roster import`` prints), ``NAME.plan.json`` (the saved plan ``roster import --out`` writes, for ``roster apply``
and the history's ``o``; not for a plan a guard holds), ``NAME.errors.csv`` (the rows with errors, when there
are any) and, last, ``NAME.result.txt``: whether it was applied, and why not. ``when-clean`` applies a plan with
no row errors and no guard holding it, as one recorded change of the person who dropped it (their token).

The SFTP side is :mod:`roster_tui.ssh.drop_folder`; the texts come from the command line's printers
(:class:`DropText`), so a dropped file reads as ``roster import`` would show it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from roster_tui.config import DropRule
from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.guards import Limits
from roster_tui.core.plan import Plan
from roster_tui.core.wording import plural
from roster_tui.files import load_mapping, replaced_whole
from roster_tui.scim.client import RosterClient
from roster_tui.scim.errors import RosterApiError
from roster_tui.sync.apply import ApplyResult
from roster_tui.sync.changes import ChangeError, apply_plan
from roster_tui.sync.import_file import PreparedFile, error_lines, prepare_file, write_errors_csv
from roster_tui.sync.importer import plan_import
from roster_tui.sync.saved_plan import file_source, plan_document, write_plan_file

INCOMING, OUTGOING = "incoming", "outgoing"
OUTPUTS = ("plan.txt", "plan.json", "errors.csv", "result.txt")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DropText:
    """How a plan and an apply read as text: ``roster import``'s printers, given by the caller (sync knows no
    command line)."""

    plan: Callable[[PreparedFile, Plan], str]
    applied: Callable[[ApplyResult], str]


@dataclass
class DropOutcome:
    """What became of one dropped file: its rule, its plan (None when it could not be planned), what was applied,
    and the text of its ``result.txt``."""

    name: str
    rule: DropRule | None
    plan: Plan | None = None
    applied: ApplyResult | None = None
    result: str = ""


def rule_for(name: str, rules: list[DropRule]) -> DropRule | None:
    """The first rule whose pattern fits ``name`` (case-sensitive, shell-style), or None."""
    return next((rule for rule in rules if fnmatch.fnmatchcase(name, rule.pattern)), None)


def output_path(outgoing: Path, name: str, what: str) -> Path:
    """Where the ``what`` (one of :data:`OUTPUTS`) of a dropped file goes: ``hr.csv`` -> ``hr.plan.txt``."""
    stem = name[:-4] if name.lower().endswith(".csv") else name
    return outgoing / f"{stem}.{what}"


def _write_text(path: Path, text: str) -> None:
    with replaced_whole(path) as out:
        out.write(text)


async def plan_drop(client: RosterClient, path: Path, outgoing: Path, *, person: str, rules: list[DropRule],
                    limits: Limits, text: DropText) -> DropOutcome:
    """Plan the dropped file ``path`` (and apply it when its rule says ``when-clean`` and it is clean) with
    ``client``, whose token acts as ``person``; write its outputs into ``outgoing``, ``result.txt`` last."""
    name = path.name
    rule = rule_for(name, rules)
    outcome = DropOutcome(name, rule)
    for what in OUTPUTS:  # a file dropped again: the last drop's outputs are not left beside the new ones
        with contextlib.suppress(FileNotFoundError):
            output_path(outgoing, name, what).unlink()
    how = (f"the rule {rule.pattern!r} (mapping {rule.mapping or 'none: columns matched by name'}, apply "
           f"{rule.apply})" if rule else "no [[drop]] rule (columns matched by name; never applied)")
    head = f"{name}, dropped by {person}, planned with {how}\n"
    try:
        outcome.result = head + await _plan_and_apply(client, path, outgoing, person, outcome, limits, text)
    except (ImportFileError, RosterApiError, ChangeError, OSError) as exc:
        outcome.result = head + f"not planned: {str(exc).replace(str(path), f'{INCOMING}/{name}')}\n"
    except Exception as exc:  # unattended: the file still says what became of it, and the log has the rest
        log.exception("planning the dropped file %s", name)
        outcome.result = head + f"not planned: {type(exc).__name__}: {exc}\n"
    write_result(outgoing, name, outcome.result)
    return outcome


def write_result(outgoing: Path, name: str, text: str) -> None:
    """Write the ``result.txt`` of the dropped file ``name``."""
    _write_text(output_path(outgoing, name, "result.txt"), text)


async def _plan_and_apply(client: RosterClient, path: Path, outgoing: Path, person: str, outcome: DropOutcome,
                          limits: Limits, text: DropText) -> str:
    rule, name = outcome.rule, outcome.name
    saved = load_mapping(rule.mapping) if rule and rule.mapping else None
    prepared = prepare_file(path, sync_key=saved.sync_key if saved and saved.sync_key else "email", saved=saved,
                            scan=False)
    plan = outcome.plan = await plan_import(client, prepared, limits=limits)
    _write_text(output_path(outgoing, name, "plan.txt"), text.plan(prepared, plan))
    source = {**file_source(path, prepared.scan.rows), "dropped_by": person}
    plan_json = output_path(outgoing, name, "plan.json")
    if not plan.held:  # a held plan is not saved: roster apply would pass its guards
        write_plan_file(plan_document(plan, client.base_url, source), plan_json)
    errors = error_lines(plan)
    errors_csv = output_path(outgoing, name, "errors.csv")
    if errors:
        write_errors_csv(prepared, errors, errors_csv)
    later = (f"an admin applies it with o in the console's history (H), or roster apply: the plan is "
             f"drop/{OUTGOING}/{plan_json.name} of the roster's data dir (applied on the same roster API only)")
    if plan.held:
        return ("not applied: held by its guards (nothing was written): " + "; ".join(g.message for g in plan.held)
                + f"\nto pass them on purpose, an admin imports {INCOMING}/{name} of the drop folder in the console, "
                "or with roster import --force\n")
    if errors:
        why = f"not applied: {plural(len(errors), 'row')} with errors ({errors_csv.name})"
        return f"{why}; fix them and drop the file again, or {later}\n"
    if not plan.changes:
        return "nothing to apply: the roster already has what the file says\n"
    if rule is None or rule.apply != "when-clean":
        return f"not applied ({'no rule' if rule is None else 'apply = never'}): {later}\n"
    applied = outcome.applied = await apply_plan(client, plan, source=source)
    failed = error_lines(plan, applied)
    if failed:
        write_errors_csv(prepared, failed, errors_csv)
    return "applied:" + text.applied(applied).rstrip("\n").removeprefix("\nApplied:") + "\n"
