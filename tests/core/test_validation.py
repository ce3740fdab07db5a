"""Per-cell and per-row validation of the DOMAIN.md import rules."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.mapping import resolve_mapping
from roster_tui.core.models import SyncKey
from roster_tui.core.validation import (
    CLEAR,
    MAX_LENGTH,
    RowValidator,
    check_date_format,
    clean_field,
    email_error,
    parse_date,
    parse_status,
    scan_keys,
    unescape_cell,
    validate_field,
)

HEADER = ["Email", "Employee ID", "First Name", "Last Name", "Title", "Manager", "Hire Date", "Status"]


def validator(sync: SyncKey = SyncKey.EMAIL, date_format: str | None = None) -> RowValidator:
    return RowValidator(resolve_mapping(HEADER), sync, date_format)


@pytest.mark.parametrize("email", ["a@x.example", "Jane.O'Brien@Acme.Example", "ü@bücher.example",
                                   "first+tag@sub.domain.example"])
def test_valid_emails(email: str) -> None:
    assert validate_field("email", email) is None


@pytest.mark.parametrize("email", ["bad@", "@x.example", "a@@x.example", "a..b@x.example", "a@localhost",
                                   "a b@x.example", "a@x.test", ".a@x.example"])
def test_bad_emails(email: str) -> None:
    assert "not a valid email" in (validate_field("email", email) or "")


def test_email_fast_path_never_accepts_what_email_validator_rejects() -> None:
    @settings(max_examples=400, deadline=None)
    @given(st.from_regex(r"[A-Za-z0-9_.+'-]{1,12}@[A-Za-z0-9.-]{1,15}\.[A-Za-z]{2,5}", fullmatch=True))
    def check(email: str) -> None:
        ours = email_error(email) is None
        try:
            validate_email(email, check_deliverability=False, allow_smtputf8=True)
            theirs = True
        except EmailNotValidError:
            theirs = False
        assert ours == theirs, email

    check()


def test_dates_iso_or_declared_never_a_guess() -> None:
    assert parse_date("2024-02-29") == ("2024-02-29", None)
    assert parse_date("2023-02-29")[1] == "'2023-02-29' is not a valid date"
    iso, error = parse_date("03/04/2024")
    assert iso is None and "--date-format" in (error or "")
    assert parse_date("03/04/2024", "%m/%d/%Y") == ("2024-03-04", None)
    assert parse_date("03/04/2024", "%d/%m/%Y") == ("2024-04-03", None)
    assert parse_date("2024-03-04", "%d/%m/%Y") == ("2024-03-04", None)  # ISO always accepted
    assert "declared format" in (parse_date("13/13/2024", "%m/%d/%Y")[1] or "")
    assert parse_date("Jan 3 2024")[0] is None


def test_date_format_must_be_complete() -> None:
    check_date_format("%d.%m.%Y")
    with pytest.raises(ImportFileError, match="needs a day"):
        check_date_format("%m/%Y")


@pytest.mark.parametrize(("word", "status"), [
    ("inactive", "inactive"), ("Terminated", "inactive"), ("DISABLED", "inactive"), ("false", "inactive"),
    ("0", "inactive"), ("active", "active"), ("Enabled", "active"), ("TRUE", "active"), ("1", "active")])
def test_status_words(word: str, status: str) -> None:
    assert parse_status(word) == (status, None)


def test_unknown_status() -> None:
    assert "unknown status 'gone'" in (validate_field("status", "gone") or "")


def test_lengths_and_control_characters() -> None:
    assert "longer than" in (validate_field("title", "x" * (MAX_LENGTH + 1)) or "")
    assert validate_field("title", "x" * MAX_LENGTH) is None
    assert "control character" in (validate_field("first_name", "A\x07B") or "")
    assert "control character" in (validate_field("first_name", "A\nB") or "")
    assert validate_field("location", "Building 1\nFloor 2") is None
    assert "control character" in (validate_field("department", "a\x00b") or "")


def test_leading_quote_removed_before_formula_characters() -> None:
    assert unescape_cell("'=SUM(A1)") == "=SUM(A1)"
    assert unescape_cell("'+44") == "+44"
    assert unescape_cell("'-3") == "-3"
    assert unescape_cell("'@x") == "@x"
    assert unescape_cell("'tis") == "'tis"
    assert unescape_cell("  plain  ") == "plain"


def test_row_collects_every_cell_error_with_column() -> None:
    r = validator()(7, ["bad@", "E1", "A\x01", "", "x" * 300, "", "2024-13-01", "gone"])
    assert r.line == 7
    assert r.errors[0].startswith("Email (column A): 'bad@' is not a valid email")
    assert any(e.startswith("First Name (column C): contains a control character") for e in r.errors)
    assert any(e.startswith("Title (column E): longer than 256") for e in r.errors)
    assert any(e.startswith("Hire Date (column G)") for e in r.errors)
    assert any(e.startswith("Status (column H): unknown status") for e in r.errors)
    assert r.key == "bad@"


def test_blank_cells_are_absent_and_clear_is_kept() -> None:
    r = validator()(2, ["A@X.example ", "", "Ann", "", CLEAR, "", "", ""])
    assert r.errors == []
    assert r.key == "a@x.example"
    assert r.values == {"email": "A@X.example", "first_name": "Ann", "title": CLEAR}


def test_sync_field_is_required_and_cannot_be_cleared() -> None:
    assert validator()(2, ["", "E1", "A"]).errors == ["Email (column A): required (it is the sync field)"]
    assert "cannot be cleared" in validator()(2, [CLEAR]).errors[0]
    r = validator(SyncKey.EMPLOYEE_ID)(2, ["a@x.example", " E7 "])
    assert r.key == "E7" and r.errors == []


def test_ragged_rows() -> None:
    v = validator()
    assert v(2, ["a@x.example"]).errors == []  # short rows: missing cells are blank
    assert v(2, ["a@x.example", "", "", "", "", "", "", "", "", ""]).errors == []  # trailing empties
    assert "header has 8" in v(2, ["a@x.example", "", "", "", "", "", "", "", "x"]).errors[0]


def test_scan_finds_duplicates_and_manager_references() -> None:
    rows = [(2, ["a@x.example", "E1", "", "", "", "m@x.example"]), (3, ["A@X.example", "E2"]),
            (5, ["b@x.example", "E1", "", "", "", "E9"]), (6, ["a@x.example", CLEAR])]
    scan = scan_keys(rows, resolve_mapping(HEADER))
    assert scan.rows == 4
    assert scan.duplicate_emails == {"a@x.example": [2, 3, 6]}
    assert scan.duplicate_employee_ids == {"E1": [2, 5]}
    assert scan.lookup_emails() == {"a@x.example", "b@x.example", "m@x.example"}
    assert scan.lookup_employee_ids() == {"E1", "E2", "E9"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=12), st.sampled_from(list(SyncKey)),
       st.sampled_from([None, "%m/%d/%Y", "%d.%m.%y"]))
def test_no_row_makes_the_validator_raise(cells: list[str], sync: SyncKey, fmt: str | None) -> None:
    r = validator(sync, fmt)(2, cells)
    assert all(isinstance(e, str) for e in r.errors)
    for name, value in r.values.items():
        assert value == CLEAR or clean_field(name, value, fmt)[1] is None or name == "hire_date"
