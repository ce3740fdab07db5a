"""The roster table's columns without the widget: what each shows, how wide (for a width), how a value is fitted
to its column. No Textual here: the first frame (:mod:`roster_tui.tui.first_frame`) lays out rows with it before
Textual is imported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from rich.cells import cell_len, set_cell_size

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
FROZEN = 1  # the columns that stay at the left (with the mark column) while the others scroll: Name
MAX_WIDTH = 60  # a column widened to show its widest value grows to this many cells at most
NATURAL = tuple(c.width for c in COLUMNS)


def widest(rows: Sequence[Sequence[str]]) -> tuple[int, ...]:
    """The widest value (in cells) of each column among ``rows`` (each row's values, one per column)."""
    return tuple(max((cell_len(r[i]) for r in rows), default=0) for i in range(len(COLUMNS)))


def fit_widths(available: int, widest: Sequence[int] | None) -> tuple[int, ...]:
    """The natural widths, with the cells of ``available`` they leave spare shared out evenly among the columns
    whose ``widest`` value they cut, each up to that value (``MAX_WIDTH`` at most)."""
    widths = list(NATURAL)
    spare = available - (GUTTER + sum(w + 1 for w in widths))
    if widest is None or spare <= 0:
        return NATURAL
    wanted = [max(w, min(n, MAX_WIDTH)) for w, n in zip(widths, widest, strict=True)]
    while spare > 0 and (short := [i for i, w in enumerate(widths) if w < wanted[i]]):
        share = max(1, spare // len(short))
        for i in short:
            more = min(share, wanted[i] - widths[i], spare)
            widths[i] += more
            spare -= more
    return tuple(widths)


class Layout:
    """The columns at given widths: where each starts, the width of the frozen part, and how cells are fitted."""

    def __init__(self, widths: tuple[int, ...] = NATURAL) -> None:
        self.widths = widths
        self.xs = tuple(accumulate((w + 1 for w in widths), initial=GUTTER))  # each column's x, then the end
        self.width = self.xs[-1]
        self.frozen = self.xs[FROZEN]  # the mark and Name columns
        self.placeholder_cells = self.cells([PLACEHOLDER] * len(COLUMNS))

    def cells(self, values: Sequence[str]) -> list[str]:
        """Each value (one line) fitted to its column's width (cut with an ellipsis), and the space after it."""
        return [clip(v, w) + " " for v, w in zip(values, self.widths, strict=True)]


def clip(text: str, width: int) -> str:
    """``text`` in ``width`` cells: padded with spaces, or cut with an ellipsis."""
    return set_cell_size(text, width) if cell_len(text) <= width else set_cell_size(text, width - 1) + PLACEHOLDER


def row_values(user: User) -> tuple[str, ...]:
    """The text of each column for ``user``, on one line (user data: text, never markup)."""
    return tuple(one_line(c.value(user)) for c in COLUMNS)


class Row:
    """A loaded user, its columns' text, and that text fitted to the last layout it was drawn at."""

    __slots__ = ("_layout", "_text", "user", "values")

    def __init__(self, user: User) -> None:
        self.user = user
        self.values = row_values(user)
        self._layout: Layout | None = None
        self._text = ""

    def text(self, layout: Layout) -> str:
        if self._layout is not layout:
            self._text, self._layout = "".join(layout.cells(self.values)), layout
        return self._text
