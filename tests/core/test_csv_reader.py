"""Reading files as spreadsheets write them: encodings, delimiters, line ends, quoted newlines, bad files."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster_tui.core.csv_reader import CHUNK_BYTES, CsvFile, ImportFileError, open_csv, sniff_delimiter

FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"


def records(path: Path) -> list[tuple[int, list[str]]]:
    return list(open_csv(path).records())


def test_excel_utf8_with_bom() -> None:
    f = open_csv(FIXTURES / "excel_utf8_bom.csv")
    assert f.info.encoding_label == "UTF-8 with BOM"
    assert f.info.delimiter == ","
    assert f.info.header[0] == "E-mail Address"  # no BOM left in the first header
    rows = list(f.records())
    assert [line for line, _ in rows] == [2, 3, 4]
    assert rows[0][1][2:4] == ["Zoë", "Müller"]
    assert rows[1][1][4] == "Manager, Sales"


def test_excel_semicolon() -> None:
    f = open_csv(FIXTURES / "excel_semicolon.csv")
    assert f.info.delimiter == ";" and f.info.delimiter_name == "semicolon"
    rows = list(f.records())
    assert rows[0][1][3] == "Berlin, DE"
    assert rows[1][1][3] == "Warsaw; PL"


def test_utf16_unicode_text_with_tabs() -> None:
    f = open_csv(FIXTURES / "unicode_text_utf16.txt")
    assert f.info.encoding_label == "UTF-16 with BOM"
    assert f.info.delimiter == "\t"
    assert f.info.header == ["Email", "First Name", "Last Name", "Department"]
    assert list(f.records())[1] == (3, ["sven.ostergaard@acme.example", "Sven", "Østergaard", "Legal"])


def test_cp1252_is_detected_and_reported() -> None:
    f = open_csv(FIXTURES / "legacy_cp1252.csv")
    assert f.info.encoding == "cp1252"
    assert "1252" in f.info.encoding_label
    rows = list(f.records())
    assert rows[0][1][1:] == ["René", "Dubois", "Directeur Général"]
    assert rows[1][1][1:] == ["Jürgen", "Bauer", "Team’s Lead"]


def test_quoted_newlines_report_the_line_where_the_record_starts() -> None:
    rows = records(FIXTURES / "quoted_newlines.csv")
    assert [line for line, _ in rows] == [2, 5, 6, 9]  # blank line 4 skipped; records span lines
    assert rows[0][1][3] == "line one\nline two"
    assert rows[1][1] == ["grace@acme.example", "Grace", "Hopper"]  # ragged: short row kept as is
    assert rows[2][1][3] == 'a "quoted" note\nover\nthree lines'


def test_crlf_and_cr_line_ends(tmp_path: Path) -> None:
    p = tmp_path / "crlf.csv"
    p.write_bytes(b"Email,First Name\r\na@x.example,A\r\n\r\nb@x.example,\"B\r\nB\"\r\nc@x.example,C\r\n")
    assert [(line, cells[0]) for line, cells in records(p)] == [
        (2, "a@x.example"), (4, "b@x.example"), (6, "c@x.example")]


def test_empty_file_is_a_clear_error() -> None:
    with pytest.raises(ImportFileError, match="empty"):
        open_csv(FIXTURES / "empty.csv")


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    p = tmp_path / "blank.csv"
    p.write_bytes(b"\r\n  \r\n")
    with pytest.raises(ImportFileError, match="empty"):
        open_csv(p)


def test_binary_file_is_a_clear_error() -> None:
    with pytest.raises(ImportFileError, match="not a text file") as info:
        open_csv(FIXTURES / "binary_workbook.csv")
    assert "Save the spreadsheet as CSV" in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot read"):
        open_csv(tmp_path / "nope.csv")
    with pytest.raises(ImportFileError, match="directory"):
        open_csv(tmp_path)


def test_header_only_has_no_records(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("Email,First Name\n")
    f = open_csv(p)
    assert f.info.header == ["Email", "First Name"] and list(f.records()) == []


def test_unreadable_record_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "huge.csv"
    p.write_bytes(b"Email,Name\na@x.example,ok\n\nb@x.example,\"" + b"x" * 1_100_000 + b"\"\n")
    with pytest.raises(ImportFileError) as info:
        list(open_csv(p).records())
    assert info.value.line == 4


def test_invalid_utf16_body_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "u16.csv"
    p.write_bytes(codecs.BOM_UTF16_LE + "Email\r\na@x.example\r\n".encode("utf-16-le") + b"\x00\xd8\x41")
    with pytest.raises(ImportFileError, match="not valid"):
        list(open_csv(p).records())


def test_streaming_reads_lazily(tmp_path: Path) -> None:
    p = tmp_path / "big.csv"
    with p.open("w") as f:
        f.write("Email,First Name\n")
        for i in range(20000):
            f.write(f"u{i}@x.example,U{i}\n")
    it = open_csv(p).records()
    assert next(it) == (2, ["u0@x.example", "U0"])  # a generator, not a list


@pytest.mark.parametrize(("sample", "expected"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("Email\nx@y.example\n", ","), ('a;b\n"1,5";2\n', ";"), ("name,loc\n\"a;b\",c\n", ",")])
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


def read_or_refuse(path: Path) -> tuple[CsvFile | None, list[tuple[int, list[str]]], ImportFileError | None]:
    """Read ``path`` as an import does, checking what the docs promise: rows, or an ImportFileError naming the
    file (and, for a record it cannot read, the line). Returns the file, its rows and the error, if any."""
    try:
        f = open_csv(path)
    except ImportFileError as exc:
        assert exc.path == str(path) and exc.reason and str(exc).startswith(f"{path}: ")
        return None, [], exc
    rows: list[tuple[int, list[str]]] = []
    error = None
    try:
        rows.extend(f.records())
    except ImportFileError as exc:
        error = exc
        assert exc.path == str(path) and exc.reason
        assert exc.line is not None and exc.line > f.info.header_line
        assert str(exc).startswith(f"{path}:{exc.line}: ")
    lines = [line for line, _ in rows]
    assert lines == sorted(set(lines)) and all(line > f.info.header_line for line in lines)
    for _, cells in rows:
        assert all(isinstance(c, str) for c in cells)
        assert any(c.strip() for c in cells)  # blank lines are skipped, never rows
    return f, rows, error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_any_bytes_read_or_raise_the_clear_error(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "fuzz.csv"
    p.write_bytes(data)
    read_or_refuse(p)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from('ab,;\t"\r\n é’\x00'), max_size=200),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_any_text_in_any_encoding_reads_or_raises(tmp_path: Path, text: str, encoding: str) -> None:
    p = tmp_path / "fuzz.csv"
    p.write_bytes(text.encode(encoding))
    f, rows, error = read_or_refuse(p)
    if f is None or error is not None:
        return
    try:
        understood = p.read_bytes().decode(f.info.encoding) == text
    except UnicodeDecodeError:
        understood = False
    if understood:  # read in an encoding that gives the text back: the rows are the text's, cell for cell
        expected = [cells for cells in csv.reader(io.StringIO(text, newline=""), delimiter=f.info.delimiter)
                    if any(c.strip() for c in cells)]
        assert [cells for _, cells in rows] == expected[1:]


def test_a_chosen_encoding_and_delimiter_replace_the_guess(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("Email;Name\nrene@x.example;René\n".encode("cp1252"))
    guessed = open_csv(path)
    assert (guessed.info.encoding, guessed.info.delimiter) == ("cp1252", ";")
    chosen = open_csv(path, encoding="latin-1", delimiter=",")
    assert chosen.info.encoding_label == "latin-1 (chosen)" and chosen.info.delimiter == ","
    assert list(chosen.records()) == [(2, ["rene@x.example;René"])]
    with pytest.raises(ImportFileError, match="not valid utf-8 text") as err:
        list(open_csv(path, encoding="utf-8").records())  # a wrong choice is a clear error, not a crash
    assert err.value.path == str(path) and err.value.hint


def test_estimated_records_from_the_first_bytes(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("Email,Name\n" + "".join(f"user{i}@x.example,User {i}\n" for i in range(20_000)))
    estimate = open_csv(path).estimated_records()
    assert 18_000 < estimate < 22_000
    assert open_csv(FIXTURES / "excel_semicolon.csv").estimated_records() <= 5


def test_a_stray_cp1252_byte_in_a_utf8_file_leaves_the_rest_utf8() -> None:
    f = open_csv(FIXTURES / "mixed_utf8_cp1252.csv")
    assert (f.info.encoding, f.info.encoding_label, f.info.invalid_bytes) == ("utf-8", "UTF-8 (1 invalid byte)", 1)
    rows = list(f.records())
    assert rows[0][1][1:] == ["Zoë", "Müller-José", "Ingénieure"]  # not mojibake
    assert rows[1] == (3, ["rene.dubois@acme.example", "Ren\udce9", "Dubois", "Directeur"])  # the byte, kept
    assert rows[2][1][1:] == ["Jürgen", "Bauer", "Team’s Lead"]


def test_invalid_bytes_are_counted_over_the_whole_file_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    head = b"Email,Name\r\n" + b"a@x.example,Ren\xe9\r\n" + b"b@x.example,"
    body = head + b"x" * (CHUNK_BYTES - len(head) - 3) + "Zoë\r\n".encode() + b"c@x.example,M\xfcller\r\n"
    # the only multi-byte character, "ë", is cut by the chunk boundary
    assert body.index("ë".encode()) == CHUNK_BYTES - 1
    path.write_bytes(body)
    f = open_csv(path)
    assert (f.info.encoding, f.info.encoding_label) == ("utf-8", "UTF-8 (2 invalid bytes)")
    assert [cells[1][-3:] for _, cells in f.records()] == ["Ren\udce9"[-3:], "Zoë", "M\udcfcller"[-3:]]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(codecs.BOM_UTF8 + "Email,Name\r\na@x.example,Zoë\r\n".encode() + b"b@x.example,Ren\xe9\r\n")
    assert open_csv(bom).info.encoding_label == "UTF-8 with BOM (1 invalid byte)"
    assert list(open_csv(bom).records())[1][1] == ["b@x.example", "Ren\udce9"]


def test_high_bytes_without_any_multibyte_utf8_stay_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"Email,Name\r\n" + b"a@x.example,x\r\n" * 70_000 + "b@x.example,René\r\n".encode("cp1252"))
    f = open_csv(path)
    assert (f.info.encoding, f.info.invalid_bytes) == ("cp1252", 0)
    assert list(f.records())[-1][1] == ["b@x.example", "René"]


def test_an_unclosed_quote_that_swallows_rows_is_a_problem_of_its_row() -> None:
    f = open_csv(FIXTURES / "unclosed_quote.csv")
    rows = list(f.records())
    assert [line for line, _ in rows] == [2]  # lines 3-4 are inside the title
    assert f.problems == {2: "the quote opened here never closes: it takes in lines 3-4, to the end of the file; "
                             "close the quote"}


def test_a_quote_closed_later_that_took_in_rows_names_them(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('Email,First Name,Title\na@x.example,A,"Manager\nb@x.example,B,Dev\nc@x.example,C,"Dir"\n'
                    'd@x.example,D,"Street 1\nFloor 2"\ne@x.example,"E\nE",x,"and\nf;g,h,i"\ng@x.example,G,T\n')
    f = open_csv(path)
    assert [line for line, _ in f.records()] == [2, 5, 7, 10]
    assert f.problems == {
        2: "the quote opened here takes in lines 3-4, which look like rows of their own; close the quote",
        7: "the quote opened on line 8 takes in line 9, which looks like a row of its own; close the quote"}


def test_quoted_newlines_in_an_address_are_no_problem() -> None:
    f = open_csv(FIXTURES / "quoted_newlines.csv")
    assert len(list(f.records())) == 4 and f.problems == {}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters=',"'),
                              min_size=1, max_size=8), min_size=1, max_size=12),
       stray=st.lists(st.integers(0x80, 0xFF), max_size=5), data=st.data())
def test_stray_bytes_in_utf8_are_counted_and_kept_byte_for_byte(tmp_path: Path, names: list[str],
                                                                stray: list[int], data: st.DataObject) -> None:
    lines = [f"u{i}@x.example,{name}".encode() for i, name in enumerate(names)]
    for byte in stray:  # each stray byte replaces a name's first character
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i][: lines[i].index(b",") + 1] + bytes([byte]) + b"z" + lines[i][lines[i].index(b",") + 2:]
    body = b"Email,Name\n" + b"\n".join(lines) + b"\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(body)
    invalid = len(body) - len(body.decode("utf-8", "ignore").encode())
    multibyte = any(b >= 0xC2 for b in body.decode("utf-8", "ignore").encode())
    if invalid and not multibyte:  # no sign of UTF-8: Windows-1252, unless a byte is undefined there
        with contextlib.suppress(ImportFileError):
            assert open_csv(path).info.encoding == "cp1252"
        return
    f = open_csv(path)
    assert (f.info.encoding, f.info.invalid_bytes) == ("utf-8", invalid)
    assert b"\n".join(",".join(cells).encode("utf-8", "surrogateescape") for _, cells in f.records()) + b"\n" == \
        body.split(b"\n", 1)[1].replace(b"\n\n", b"\n")


def test_a_pipe_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "terms.csv"
    os.mkfifo(fifo)
    with pytest.raises(ImportFileError, match="not a regular file"):
        open_csv(fifo)  # no writer ever comes: opening it for reading would block for good
    with pytest.raises(ImportFileError, match="directory"):
        open_csv(tmp_path)
