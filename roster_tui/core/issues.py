"""Messages about a file's rows as structured values: where (the column), what (the message), and what the admin
can do about it (a hint each surface words its own way: a flag on the command line, a key in the console).

An :class:`Issue` is a ``str`` (``Header (column X): message``), so it prints, joins and compares as the text it
always was; the parts are there for the surfaces that lay them out.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Hint(StrEnum):
    """Something the admin can do about an issue; each surface says how."""

    DATE_FORMAT = "date_format"  # declare the file's date format
    MAP_COLUMN = "map_column"  # import the column as a field


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Where(NamedTuple):
    """The column of a file an issue is about (``index`` None: the file has no such column)."""

    header: str
    index: int | None = None

    def __str__(self) -> str:
        if self.index is None:
            return f"{self.header} (no such column)"
        return f"{self.header or '(no header)'} (column {column_letter(self.index)})"

    @property
    def letter(self) -> str:
        return column_letter(self.index) if self.index is not None else ""


class Issue(str):
    """A message about a row, reading ``Header (column X): message``; ``where``, ``message``, ``field`` and
    ``hint`` are its parts."""

    where: Where | None
    message: str
    field: str | None
    hint: Hint | None

    def __new__(cls, message: str, where: Where | None = None, *, field: str | None = None,
                hint: Hint | None = None) -> Issue:
        issue = super().__new__(cls, f"{where}: {message}" if where is not None else message)
        issue.where, issue.message, issue.field, issue.hint = where, message, field, hint
        return issue


def parts(text: str) -> tuple[Where | None, str]:
    """``(where, message)`` of an issue, or ``(None, text)`` for a plain message."""
    if isinstance(text, Issue):
        return text.where, text.message
    return None, text
