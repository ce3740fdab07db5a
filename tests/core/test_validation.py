"""Per-cell and per-row validation of the docs/RULES.md import rules."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from roster_tui.core.csv_reader import ImportFileError
from roster_tui.core.key_scan import scan_keys
from roster_tui.core.mapping import resolve_mapping
from roster_tui.core.models import SyncKey
from roster_tui.core.validation import (
    BLANKS,
    CHECKED,
    CLEAR,
    MAX_LENGTH,
    RowValidator,
    check_date_format,
    clean_cell,
    clean_field,
    email_error,
    parse_date,
    parse_status,
    propose_date_formats,
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
    assert iso is None and "declare the file's date format" in (error or "")
    assert "--" not in (error or "")  # core names no CLI flag: each surface adds its own
    assert parse_date("03/04/2024", "%m/%d/%Y") == ("2024-03-04", None)
    assert parse_date("03/04/2024", "%d/%m/%Y") == ("2024-04-03", None)
    assert parse_date("2024-03-04", "%d/%m/%Y") == ("2024-03-04", None)  # ISO always accepted
    assert "declared format" in (parse_date("13/13/2024", "%m/%d/%Y")[1] or "")
    assert parse_date("Jan 3 2024")[0] is None


def test_date_format_must_be_complete() -> None:
    check_date_format("%d.%m.%Y")
    check_date_format("%m/%d/%Y %I:%M:%S %p")  # with a time, as Excel and PowerShell write it
    with pytest.raises(ImportFileError, match="needs a day") as error:
        check_date_format("%m/%Y")
    assert "--" not in str(error.value)


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
    assert validate_field("first_name", "A\nB") is None  # as the service accepts (a tab, CR or LF)
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


@pytest.mark.parametrize("field", ["first_name", "last_name", "employee_id", "title", "department", "division",
                                   "location", "manager"])
@pytest.mark.parametrize("char", ["\t", "\r", "\n"])
def test_tab_and_line_breaks_are_accepted_in_text_fields(field: str, char: str) -> None:
    assert clean_field(field, f"A{char}B") == (f"A{char}B", None)
    assert "control character (U+0007)" in (clean_field(field, "A\x07B")[1] or "")


@pytest.mark.parametrize("field", sorted(CHECKED))
def test_tab_and_line_breaks_stay_errors_in_checked_fields(field: str) -> None:
    assert clean_field(field, "a\tb")[1] == "contains a control character (a tab); remove it"
    assert clean_field(field, "a\nb")[1] == "contains a control character (a line break); remove it"


def test_a_row_with_tabs_and_line_breaks_in_names_is_valid() -> None:
    r = validator()(2, ["a@x.example", "E\t1", "Ann\nMarie", "O\r\nBrien", "", "", "", ""])
    assert r.errors == [] and r.values == {"email": "a@x.example", "employee_id": "E\t1",
                                           "first_name": "Ann\nMarie", "last_name": "O\r\nBrien"}
    assert validator()(2, ["a@x.example", "", "", "", "", "", "", "active\n x"]).errors == [
        "Status (column H): contains a control character (a line break); remove it"]


def test_clean_cell_trims_every_space_and_format_character() -> None:
    blanks = [chr(c) for c in range(0x110000)
              if chr(c).isspace() or unicodedata.category(chr(c)) in ("Zs", "Cf")]
    assert set(blanks) <= set(BLANKS), "a new Unicode version: add these to _BLANK_RANGES"
    assert set(BLANKS) <= set(blanks)
    for c in blanks:
        assert clean_cell(c * 2) == "" and clean_cell(f"{c}Zoë {c}x{c}") == f"Zoë {c}x", hex(ord(c))
    assert unescape_cell("\u200b'=SUM(A1)\u2060") == "=SUM(A1)"


@pytest.mark.parametrize("blank", ["\u200b", "\u2060", "\ufeff", "\u180e", "\U000e0020", "\u200b\u200b ",
                                   "\u00a0\u200b", "\u2007\u2060", "\u202f\ufeff", "\u3000\u00ad"])
def test_an_invisible_cell_is_blank_and_invisible_ends_are_trimmed(blank: str) -> None:
    r = validator()(2, [f"{blank}A@X.example{blank}", blank, f"{blank}Ann", blank, blank, blank, blank, blank])
    assert r.errors == [] and r.key == "a@x.example"
    assert r.values == {"email": "A@X.example", "first_name": "Ann"}  # nothing replaced by an invisible value
    scan = scan_keys([(2, [f"{blank}A@X.example{blank}", f"{blank}E1", "", "", "", f"M1{blank}"])],
                     resolve_mapping(HEADER))
    assert scan.emails == {"a@x.example": 2} and scan.employee_ids == {"E1": 2} and scan.manager_refs == {"M1"}
    key_only = validator()(3, [blank, "E1"])
    assert key_only.key == "" and key_only.errors == ["Email (column A): required (it is the sync field)"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("a@x.é'=\t\n\u00a0\u200b\ufeff\U000e0020 \udce9"), max_size=8),
                min_size=3, max_size=8), st.sampled_from(list(SyncKey)))
def test_both_passes_read_keys_alike(cells: list[str], sync: SyncKey) -> None:
    row = validator(sync)(2, cells)
    scan = scan_keys([(2, cells)], resolve_mapping(HEADER))
    for name, seen in (("email", scan.emails), ("employee_id", scan.employee_ids)):
        if name in row.values and row.values[name] != CLEAR:
            key = row.values[name].lower() if name == "email" else row.values[name]
            assert key in seen  # what the second pass matches, the first pass looked up
        raw = clean_cell(cells[0 if name == "email" else 1])
        assert (raw in ("", CLEAR)) or name in row.values or row.errors
    assert not any("\udce9" in k for k in (*scan.emails, *scan.employee_ids, *scan.manager_refs))
    assert not any("\udce9" in v for v in (*row.values.values(), row.key))  # never sent, never printed raw


def test_an_invalid_byte_is_an_error_of_its_cell() -> None:
    r = validator()(3, ["rene@x.example", "", "René", "Ren\udce9", "Dir\udce9ct\udcfcr", "", "", ""])
    assert r.errors == [
        "Last Name (column D): invalid UTF-8 byte \\xe9 in 'Ren\\xe9' (the file mixes encodings); re-save it as "
        "CSV UTF-8",
        "Title (column E): invalid UTF-8 bytes \\xe9 \\xfc in 'Dir\\xe9ct\\xfcr' (the file mixes encodings); re-save "
        "it as CSV UTF-8"]
    assert r.values == {"email": "rene@x.example", "first_name": "René"}
    bad_key = validator()(4, ["ren\udce9@x.example", "", "A"])
    assert bad_key.key == "ren\\xe9@x.example"  # shown, printable; it matches nothing
    assert scan_keys([(4, ["ren\udce9@x.example", "E\udce9"])], resolve_mapping(HEADER)).lookup_emails() == set()


@pytest.mark.parametrize(("values", "formats"), [
    (["11/16/2022", "1/5/2023", "3/4/2021"], ["%m/%d/%Y"]),
    (["16/11/2022", "5/1/2023"], ["%d/%m/%Y"]),
    (["1/5/2023", "3/4/2021"], ["%m/%d/%Y", "%d/%m/%Y"]),  # no day above 12: ask
    (["1/1/2023", "12/12/2021"], ["%m/%d/%Y"]),  # both read the same dates: no need to ask
    (["11/16/22", "1/5/23"], ["%m/%d/%y"]),
    (["16.11.2022", "01.02.2024"], ["%d.%m.%Y"]),
    (["16 Nov 2022", "3 May 2021"], ["%d %b %Y"]),
    (["16 May 2022"], ["%d %b %Y"]),  # May is also the full name: the same dates, one format
    (["November 16, 2022"], ["%B %d, %Y"]),
    (["16-Nov-22"], ["%d-%b-%y"]),
    (["11/16/2022 0:00", "1/5/2023 14:30"], ["%m/%d/%Y %H:%M"]),  # Excel's date and time
    (["11/16/2022 12:00:00 AM", "1/5/2023 2:30:00 PM"], ["%m/%d/%Y %I:%M:%S %p"]),  # PowerShell's Export-Csv
    (["2022-11-16 00:00:00"], ["%Y-%m-%d %H:%M:%S"]),
    (["11/16/2022", "someday"], []),  # every value must fit
    ([], []),
])
def test_propose_date_formats(values: list[str], formats: list[str]) -> None:
    assert propose_date_formats(values) == formats
    for fmt in formats:
        check_date_format(fmt)


def test_scan_collects_the_distinct_non_iso_hire_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    dates = [" 11/16/2022 ", "2022-01-02", "11/16/2022", "\u200b", CLEAR, "1/5/2023", ""]
    rows = [(i + 2, [f"u{i}@x.example", "", "", "", "", "", value]) for i, value in enumerate(dates)]
    mapping = resolve_mapping(HEADER)
    assert scan_keys(rows, mapping).date_values == {"11/16/2022", "1/5/2023"}
    monkeypatch.setattr("roster_tui.core.key_scan.MAX_DATE_VALUES", 1)  # the first pass holds the cap
    assert scan_keys(rows, mapping).date_values == {"11/16/2022"}


def test_setting_the_date_format_forgets_the_dates_read_with_the_old_one() -> None:
    v = validator(date_format="%m/%d/%Y")
    row = ["a@x.example", "", "", "", "", "", "03/04/2024"]
    assert v(2, row).values["hire_date"] == "2024-03-04"
    v.date_format = "%d/%m/%Y"
    assert v(2, row).values["hire_date"] == "2024-04-03"
    assert date.fromisoformat(v(2, ["a@x.example", "", "", "", "", "", "2024-01-31"]).values["hire_date"])
