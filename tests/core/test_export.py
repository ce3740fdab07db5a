"""Export and template: the same columns and headers, spreadsheet-safe cells that import back unchanged."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roster_tui.core.export import HEADER, escape_cell, export_row, write_rows, write_template
from roster_tui.core.mapping import FIELD_LABELS
from roster_tui.core.models import ROSTER_FIELDS, User
from roster_tui.core.validation import unescape_cell


def test_template_is_the_export_header() -> None:
    out = io.StringIO()
    write_template(out)
    assert out.getvalue() == ",".join(HEADER) + "\r\n"
    assert [FIELD_LABELS[f] for f in ROSTER_FIELDS] == HEADER


@pytest.mark.parametrize(("value", "escaped"), [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("plain", "plain"), ("", ""), ("'=x", "''=x"), ("'quoted", "'quoted")])
def test_formula_cells_get_a_leading_quote(value: str, escaped: str) -> None:
    assert escape_cell(value) == escaped


@given(st.text(alphabet=st.sampled_from("=+-@'ab \t"), max_size=8))
def test_escape_then_unescape_round_trips(value: str) -> None:
    stripped = value.strip()
    assert unescape_cell(escape_cell(stripped)) == stripped


def test_export_row() -> None:
    user = User(id="1", email="a@x.example", employee_id="E1", first_name="A", last_name="B", title="=boss",
                hire_date="2020-01-02", active=False)
    row = export_row(user, "m@x.example")
    assert row == ["a@x.example", "E1", "A", "B", "'=boss", "", "", "", "m@x.example", "2020-01-02", "inactive"]
    out = io.StringIO()
    assert write_rows(out, [row]) == 1
    assert out.getvalue().splitlines()[1].startswith("a@x.example,E1,A,B,'=boss")
