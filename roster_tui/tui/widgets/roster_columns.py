"""The roster table's columns: what each shows, how wide, how it sorts; and the scrollbar thumb test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import ceil

from rich.cells import set_cell_size
from textual.scrollbar import ScrollBar

from roster_tui.core.models import AssignmentStatus, User
from roster_tui.core.wording import one_line

PLACEHOLDER = "…"


def training_summary(user: User) -> str:
    """``done/assigned`` of the user's live (not cancelled) training assignments."""
    live = [a for a in user.assignments if a.status != AssignmentStatus.CANCELLED]
    if not live:
        return "—"
    done = sum(a.status == AssignmentStatus.COMPLETED for a in live)
    return f"{done}/{len(live)} done"


@dataclass(frozen=True)
class Column:
    """A table column: key, header, width in cells, how to read the cell, and its sort field (if any)."""

    key: str
    label: str
    width: int
    value: Callable[[User], str]
    sort_field: str | None


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 20, lambda u: u.display_name, "last_name"),
    Column("email", "Email", 30, lambda u: u.email, "email"),
    Column("employee_id", "Emp ID", 8, lambda u: u.employee_id or "", "employee_id"),
    Column("department", "Department", 16, lambda u: u.department or "", "department"),
    Column("title", "Title", 22, lambda u: u.title or "", "title"),
    Column("location", "Location", 15, lambda u: u.location or "", "location"),
    Column("status", "Status", 8, lambda u: u.status, "status"),
    Column("roles", "Admin roles", 19, lambda u: ", ".join(u.roles), "roles"),
    Column("training", "Training", 10, training_summary, None),
)
GUTTER = 2  # the mark column
TABLE_WIDTH = GUTTER + sum(c.width + 1 for c in COLUMNS)


def column_x(index: int) -> int:
    return GUTTER + sum(c.width + 1 for c in COLUMNS[:index])


def row_cells(values: list[str]) -> list[str]:
    """Each column's text fitted to its width, with the space that follows it."""
    return [set_cell_size(one_line(value), column.width) + " " for column, value in zip(COLUMNS, values, strict=True)]


PLACEHOLDER_CELLS = row_cells([PLACEHOLDER] * len(COLUMNS))


def thumb(bar: ScrollBar, position: float) -> object:
    """What ``bar`` draws at ``position``: equal for two positions when the thumb covers the same cells."""
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    return bar.renderer.render_bar(
        size=bar.size.height,
        virtual_size=ceil(bar.window_virtual_size),
        window_size=ceil(window),
        position=bar.validate_position(position),
    ).segments
