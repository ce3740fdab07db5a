"""The guards: limits on how much one change may do, and a plan's counts checked against them. Pure.

A plan over a limit is *held*: nothing of it is written unless the admin passes it on purpose (``--force`` on the
command line, typing the count in the console). The limits are settings (``[guards]`` in config.toml, read by
:mod:`roster_tui.config`; the commands' flags override them); each can be turned off.

| setting | default | counts |
|---|---|---|
| ``max_deactivations`` | 500 | users the change deactivates (status inactive rows, the full sync's missing users) |
| ``max_deletions`` | 100 | users the change deletes (for good) |
| ``max_share`` | off | users of the roster the change writes to, in percent of all its users (new users not counted) |
| ``full_sync_share`` | 20 (%) | active users the full sync deactivates, of all active users |
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roster_tui.core.wording import plural

if TYPE_CHECKING:  # the plans' modules stay off the command line's start (parsing the guard flags needs none)
    from roster_tui.core.plan import Plan
    from roster_tui.core.removal_plan import RemovalPlan

#: The settings, in the order their guards are checked and said.
SETTINGS = ("full_sync_share", "max_deactivations", "max_deletions", "max_share")
#: The settings that are a percent of a number of users (the others: a number of users).
SHARES = frozenset({"full_sync_share", "max_share"})
#: What a value of each kind (a share or not) may be, said when it is not; and off (``false``, or ``off``).
WANTED = {False: "a whole number of users (0 or more)", True: "a percent above 0 and at most 100 (e.g. 20 or 12.5)"}
OFF_WORDS = frozenset({"off", "false", "none", "no"})

Limit = int | float | None  # None: the guard is off


@dataclass(frozen=True)
class Limits:
    """How much one change may do before it is held; None turns a guard off. ``sources`` says, per setting, where
    a value came from (``--max-deletions``, ``config.toml``); a setting not in it has its default."""

    max_deactivations: int | None = 500
    max_deletions: int | None = 100
    max_share: float | None = None  # off: on a small roster a routine file is often most of it
    full_sync_share: float | None = 20.0
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def get(self, setting: str) -> Limit:
        return getattr(self, setting)  # type: ignore[no-any-return]

    def with_values(self, values: Mapping[str, Limit], source: str) -> Limits:
        """These limits with ``values`` (setting -> limit) set, each said to come from ``source`` (in which
        ``{setting}`` and ``{flag}`` are replaced by the setting's name and command-line flag)."""
        sources = dict(self.sources)
        for setting in values:
            if setting not in SETTINGS:
                raise KeyError(setting)
            sources[setting] = source.format(setting=setting, flag=flag_of(setting))
        return dataclasses.replace(self, **values, sources=sources)  # type: ignore[arg-type]

    def where(self, setting: str) -> str:
        """Where the limit of ``setting`` is set: ``guards.max_share in config.toml``, ``--max-share``, or
        ``guards.max_share, the default``."""
        if setting in self.sources:
            return self.sources[setting]
        default = next(f.default for f in dataclasses.fields(Limits) if f.name == setting)
        return f"guards.{setting}, the default" if self.get(setting) == default else f"guards.{setting}"


def flag_of(setting: str) -> str:
    """The command-line flag of a setting: ``max_share`` -> ``--max-share``."""
    return "--" + setting.replace("_", "-")


def limit_value(setting: str, raw: object) -> Limit:
    """A setting's value as given in config.toml or on the command line: a count of users, a percent, or off
    (``false``, ``off``). Raises ValueError saying what the setting takes."""
    return parse_limit(raw, setting in SHARES)


def parse_limit(raw: object, share: bool) -> Limit:
    """A count of users (or with ``share``, a percent), or off; ValueError saying what it takes (:data:`WANTED`)."""
    if raw is False or (isinstance(raw, str) and raw.strip().lower() in OFF_WORDS):
        return None
    value: Any = raw
    if isinstance(raw, str):
        text = raw.strip().removesuffix("%") if share else raw.strip()
        try:
            value = float(text) if share else int(text)
        except ValueError:
            raise ValueError(WANTED[share]) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(WANTED[share])
    if share:
        if not 0 < value <= 100 or value != value:  # also NaN
            raise ValueError(WANTED[share])
        return float(value)
    if not isinstance(value, int) or value < 0:
        raise ValueError(WANTED[share])
    return value


@dataclass(frozen=True)
class Counts:
    """What a plan does, as the guards count it. ``roster``: the roster's users (None: not known, the share is not
    checked); ``missing``: the active users the full sync deactivates (None: no full sync), of ``active``."""

    deactivations: int = 0
    deletions: int = 0
    touched: int = 0  # users of the roster the change writes to
    roster: int | None = None
    missing: int | None = None
    active: int = 0


@dataclass(frozen=True)
class Guard:
    """A limit a plan is over: the setting, the plan's count and the limit, and the sentence that says so.
    ``verb`` is what the counted users undergo (deactivate, delete, change), for "type the number of users to …"."""

    setting: str
    count: int
    limit: int | float
    verb: str
    message: str

    @property
    def flag(self) -> str:
        return flag_of(self.setting)

    def as_json(self) -> dict[str, Any]:
        return {"guard": self.setting, "count": self.count, "limit": self.limit, "message": self.message}


def percent(value: float) -> str:
    """``30%``, ``20.4%`` (a decimal only where a whole number would hide that it is over)."""
    return f"{value:.0f}%" if abs(value - round(value)) < 0.05 else f"{value:.1f}%"


def over_share(count: int, total: int, limit: float) -> bool:
    """Whether ``count`` of ``total`` is more than ``limit`` percent (never of no one)."""
    return total > 0 and count * 100 > limit * total


def check(counts: Counts, limits: Limits) -> list[Guard]:
    """The guards the counts break, in :data:`SETTINGS` order (empty: the plan is within every limit)."""
    out: list[Guard] = []
    share = limits.full_sync_share
    if share is not None and counts.missing is not None and over_share(counts.missing, counts.active, share):
        out.append(Guard("full_sync_share", counts.missing, share, "deactivate",
                         f"the full sync deactivates {counts.missing:,} of {plural(counts.active, 'active user')} "
                         f"({percent(100 * counts.missing / counts.active)}); the limit is {percent(share)} "
                         f"({limits.where('full_sync_share')}): check that the file is the whole roster"))
    for setting, count, verb, does in (("max_deactivations", counts.deactivations, "deactivate", "deactivates"),
                                       ("max_deletions", counts.deletions, "delete", "deletes")):
        limit = limits.get(setting)
        if limit is not None and count > limit:
            out.append(Guard(setting, count, limit, verb, f"the plan {does} {plural(count, 'user')}; the limit is "
                                                          f"{limit:,} ({limits.where(setting)})"))
    share = limits.max_share
    if share is not None and counts.roster is not None and over_share(counts.touched, counts.roster, share):
        out.append(Guard("max_share", counts.touched, share, "change",
                         f"the plan changes {counts.touched:,} of the roster's {plural(counts.roster, 'user')} "
                         f"({percent(100 * counts.touched / counts.roster)}); the limit is {percent(share)} "
                         f"({limits.where('max_share')})"))
    return out


def import_counts(plan: Plan, roster: int | None) -> Counts:
    """An import plan's counts: deactivations (status inactive rows and the full sync's missing users) and the
    users of the roster it writes to (updates, reactivations, deactivations: a new user is not of the roster yet)."""
    kinds = Counter(r.action for r in plan.rows)
    return Counts(deactivations=kinds["deactivate"],
                  touched=kinds["update"] + kinds["reactivate"] + kinds["deactivate"], roster=roster,
                  missing=plan.missing if plan.full_sync and not plan.refusal else None, active=plan.active)


def removal_counts(plan: RemovalPlan, roster: int | None) -> Counts:
    """A removal plan's counts: its deactivations and deletions, every one a user of the roster it changes."""
    summary = plan.summary()
    return Counts(deactivations=summary["deactivate"], deletions=summary["delete"], touched=plan.changes,
                  roster=roster)


def hold(plan: Plan | RemovalPlan, limits: Limits, roster: int | None) -> list[Guard]:
    """Check a plan against ``limits`` (``roster``: how many users the roster has, None if not known) and keep the
    guards it breaks on it (``plan.guards``); the plan is held by them unless forced (``plan.held``)."""
    is_import = hasattr(plan, "sync_key")  # an import plan matches rows by a sync key; a removal by listed keys
    counts = import_counts(plan, roster) if is_import else removal_counts(plan, roster)  # type: ignore[arg-type]
    plan.guards = check(counts, limits)
    return plan.guards
