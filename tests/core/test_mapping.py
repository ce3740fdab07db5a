"""Header mapping: synonyms, normalisation, overrides, admin-like columns, saved mappings."""

from __future__ import annotations

import pytest

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.export import HEADER
from roster_tui.core.issues import Hint
from roster_tui.core.mapping import (
    ADMIN_REASON,
    IGNORE,
    Mapping,
    column_letter,
    dumps_mapping,
    loads_mapping,
    normalise,
    resolve_mapping,
)
from roster_tui.core.models import ROSTER_FIELDS


def test_normalise_case_spaces_punctuation_accents() -> None:
    assert normalise(" E-mail  Address ") == "emailaddress"
    assert normalise("EMPLOYEE_NUMBER") == "employeenumber"
    assert normalise("Hire Date (ISO)") == "hiredateiso"
    assert normalise("Prénom") == "prenom"


def test_common_spellings_are_recognised() -> None:
    header = ["E-mail Address", "Employee Number", "Given Name", "Surname", "Job Title", "Dept",
              "Business Unit", "Office", "Reports To", "Start Date", "Employment Status"]
    m = resolve_mapping(header)
    assert list(m.fields.values()) == list(ROSTER_FIELDS)
    assert m.notes == []


def test_export_headers_round_trip() -> None:
    m = resolve_mapping(HEADER)
    assert [m.fields[i] for i in range(len(HEADER))] == list(ROSTER_FIELDS)


def test_unmapped_and_admin_columns_are_reported_with_reasons() -> None:
    m = resolve_mapping(["Email", "Favourite Colour", "Is Admin", "Roles", "", "Permissions", "Job Role"])
    reasons = {n.header: n.reason for n in m.notes}
    assert reasons["Favourite Colour"] == "no field has this name"
    assert next(n for n in m.notes if n.header == "Favourite Colour").hint == Hint.MAP_COLUMN
    assert reasons["Is Admin"] == ADMIN_REASON
    assert reasons["Roles"] == ADMIN_REASON
    assert reasons["Permissions"] == ADMIN_REASON
    assert reasons[""] == "the column has no header"
    assert "Job Role" in reasons and reasons["Job Role"] != ADMIN_REASON
    assert [n.letter for n in m.notes] == ["B", "C", "D", "E", "F", "G"]


def test_a_second_column_for_the_same_field_is_reported() -> None:
    m = resolve_mapping(["Email", "E-mail"])
    assert m.fields == {0: "email"}
    assert "already read from column 'Email'" in m.notes[0].reason


def test_overrides_win_and_can_ignore() -> None:
    m = resolve_mapping(["Work Mail", "Email", "Notes"], {"Work Mail": "email", "email": "ignore", "notes": "title"})
    assert m.fields == {0: "email", 2: "title"}
    assert m.notes[0].reason == "ignored by the mapping"


def test_bad_overrides_are_clear_errors() -> None:
    with pytest.raises(ImportFileError, match="does not have"):
        resolve_mapping(["Email"], {"Missing": "title"})
    with pytest.raises(ImportFileError, match="two columns"):
        resolve_mapping(["A", "B"], {"A": "email", "B": "email"})


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_toml_round_trip_with_awkward_headers() -> None:
    m = Mapping({'He said "hi"': "title", "back\\slash": IGNORE, "tab\there": "email", "Ünï": "manager"},
                "employee_id", "%d.%m.%Y")
    assert loads_mapping(dumps_mapping(m)) == m


def test_bad_mapping_files() -> None:
    with pytest.raises(ImportFileError, match="not valid TOML"):
        loads_mapping("[columns\n")
    with pytest.raises(ImportFileError, match="unknown field"):
        loads_mapping('[columns]\n"A" = "salary"\n')
    with pytest.raises(ImportFileError, match="sync_key"):
        loads_mapping('sync_key = "name"\n')
