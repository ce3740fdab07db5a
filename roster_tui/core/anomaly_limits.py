"""When an import plan's anomalies are called out (:mod:`roster_tui.core.anomalies`): the ``[anomalies]`` table of
config.toml, read by :mod:`roster_tui.config`. Light: the console's start reads it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roster_tui.core.guards import Limit, parse_limit

#: The settings that can be turned off (``false``), in the order anomalies are said; the others are numbers.
SWITCHES = ("row_change", "value_share", "clears", "old_reactivations", "manager_reports")
SHARES = frozenset({"value_share", "row_change"})
NUMBERS = ("min_users", "inactive_days")
SETTINGS = (*SWITCHES, *NUMBERS)


@dataclass(frozen=True)
class AnomalyLimits:
    """When a plan's shape is called out (None turns a check off); ``[anomalies]`` in config.toml."""

    value_share: float | None = 80.0
    min_users: int = 25
    clears: int | None = 20
    old_reactivations: int | None = 10
    inactive_days: int = 365
    manager_reports: int | None = 3
    row_change: float | None = 50.0

    def with_values(self, values: Mapping[str, Any]) -> AnomalyLimits:
        return dataclasses.replace(self, **values)


def setting_value(setting: str, raw: object) -> Limit:
    """A setting's value as config.toml gives it; ValueError saying what it takes."""
    if setting in NUMBERS:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ValueError("a whole number above 0" + (" (days)" if setting == "inactive_days" else " of users"))
        return raw
    return parse_limit(raw, setting in SHARES)
