"""Read an admin's CSV file as the spreadsheet wrote it: encoding, delimiter, line endings, quoted newlines.

Records are streamed with the physical line they start on; nothing but the header is kept in memory.
Every problem with the file itself is raised as :class:`ImportFileError`; a problem of one record (a quote
that swallows lines) is reported in :attr:`CsvFile.problems`. A UTF-8 file with a few invalid bytes is read
with ``surrogateescape``: each such byte is a lone surrogate in its cell (:data:`INVALID_BYTE`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, tee
from pathlib import Path

from roster_tui.core.issues import Hint

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_FIELD = 1024 * 1024
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "cp1252": "Windows-1252"}
#: A byte that is not UTF-8, as ``surrogateescape`` decodes it.
INVALID_BYTE = re.compile("[\udc80-\udcff]")
#: Lines the reader keeps behind the current record (to check a record spanning lines).
KEEP_LINES = 1024
_LINE_BREAK = re.compile(r"\r\n?|\n")
_EMAIL_LIKE = re.compile(r"[^\s@,;\"'<>]+@[^\s@,;\"'<>]+\.[A-Za-z]{2,}")

csv.field_size_limit(MAX_FIELD)


class ImportFileError(Exception):
    """The file (or a line of it) cannot be used; the message says where and what to do (``action``: what a
    surface can offer, in its own words)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None, action: Hint | None = None) -> None:
        self.path, self.line, self.column, self.hint, self.action = path, line, column, hint, action
        self.reason = message
        where = ":".join(str(p) for p in (path, line, column) if p is not None)
        text = f"{where}: {message}" if where else message
        super().__init__(f"{text}. {hint}" if hint else text)


@dataclass(frozen=True)
class CsvInfo:
    """What was detected about a file."""

    path: str
    encoding: str  # a Python codec name
    encoding_label: str  # what to tell the admin, e.g. "UTF-8 with BOM"
    delimiter: str
    header: list[str]
    header_line: int
    invalid_bytes: int = 0  # bytes of a UTF-8 file that are not UTF-8 (read with surrogateescape)

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    @property
    def format_text(self) -> str:
        """``UTF-8, comma-separated``."""
        return f"{self.encoding_label}, {self.delimiter_name}-separated"


def scan_utf8(path: Path, skip: int = 0) -> tuple[int, bool]:
    """``(invalid bytes, holds a valid multi-byte sequence)`` of the file read as UTF-8 from ``skip``, streamed.

    Each chunk is decoded strictly (as a clean file needs); only a chunk with invalid bytes is decoded again
    with ``surrogateescape`` and counted.
    """
    invalid, multibyte, pending = 0, False, b""
    with path.open("rb") as f:
        f.seek(skip)
        while True:
            chunk = f.read(CHUNK_BYTES)
            final = not chunk
            data = pending + chunk if pending else chunk
            try:
                text, used = codecs.utf_8_decode(data, "strict", final)
            except UnicodeDecodeError:
                text, used = codecs.utf_8_decode(data, "surrogateescape", final)
                invalid += used - len(text.encode("utf-8", "ignore"))  # one escaped character per invalid byte
            # an invalid byte and an ASCII one are one character each: more bytes than characters = multi-byte
            multibyte = multibyte or used > len(text)
            pending = data[used:]
            if final:
                return invalid, multibyte


def _utf8_label(label: str, invalid: int) -> str:
    return f"{label} ({invalid:,} invalid byte{'s' if invalid != 1 else ''})" if invalid else label


def detect_encoding(path: Path, head: bytes) -> tuple[str, str, int]:
    """``(codec, label, invalid bytes)`` of a file whose first bytes are ``head``; raises for binary files.

    A file holding valid multi-byte UTF-8 is UTF-8 even with a few invalid bytes (counted; the rows holding
    them are errors); one with high bytes but no multi-byte UTF-8 sequence is Windows-1252.
    """
    if head.startswith(codecs.BOM_UTF8):
        invalid = scan_utf8(path, len(codecs.BOM_UTF8))[0]
        return "utf-8-sig", _utf8_label("UTF-8 with BOM", invalid), invalid
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 with BOM", 0
    if b"\x00" in head:
        raise ImportFileError("this is not a text file (it contains NUL bytes)", path=str(path),
                              hint="Save the spreadsheet as CSV (UTF-8) and import that file")
    invalid, multibyte = scan_utf8(path)
    if not invalid or multibyte:
        return "utf-8", _utf8_label("UTF-8", invalid), invalid
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError("this is neither UTF-8 nor Windows-1252 text", path=str(path),
                              hint="Save the spreadsheet as CSV (UTF-8) and import that file") from None
    return "cp1252", "Windows-1252 (legacy encoding, detected)", 0


def show_invalid(value: str) -> str:
    """``value`` with each invalid byte (a lone surrogate of ``surrogateescape``) written as ``\\xNN``."""
    if value.isascii() or not INVALID_BYTE.search(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


def sniff_delimiter(sample: str) -> str:
    """The delimiter (comma, semicolon or tab) that splits the sample's records most consistently."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-record
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(iter(lines[:50]), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        consistent = sum(1 for r in records if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class CsvFile:
    """An opened import file: ``info`` about it and its data ``records()``.

    Each call of :meth:`records` streams the file again from the start.
    """

    def __init__(self, path: str | Path, *, encoding: str | None = None, delimiter: str | None = None) -> None:
        """Detect the encoding and the delimiter; ``encoding`` / ``delimiter`` replace a wrong guess."""
        self.path = Path(path)
        name = str(path)
        try:
            mode = self.path.stat().st_mode
            if stat.S_ISDIR(mode):
                raise ImportFileError("this is a directory, not a file", path=name)
            if not stat.S_ISREG(mode):  # a pipe or a device: it would be read (and waited on) three times
                raise ImportFileError("this is not a regular file (a pipe or a device)", path=name,
                                      hint="Save the data to a file and import that file")
            with self.path.open("rb") as f:
                head = f.read(SAMPLE_BYTES)
        except OSError as exc:
            raise ImportFileError(f"cannot read the file: {exc.strerror or exc}", path=name,
                                  hint="Check the path and the file's permissions") from None
        if not head.strip():
            raise ImportFileError("the file is empty", path=name, hint="Export the roster sheet as CSV first")
        invalid, errors = 0, "strict"
        if encoding:
            label = f"{ENCODING_LABELS.get(encoding, encoding)} (chosen)"
        else:
            encoding, label, invalid = detect_encoding(self.path, head)
            if encoding.startswith("utf-8"):
                errors = "surrogateescape"  # an invalid byte is an error of its row, not of the file
        if not delimiter:
            try:
                sample = head.decode(encoding, errors="ignore")
            except LookupError:
                raise ImportFileError(f"unknown encoding {encoding!r}", path=name) from None
            delimiter = sniff_delimiter(sample.lstrip("\ufeff"))
        self._encoding, self._delimiter, self._errors = encoding, delimiter, errors
        #: Problems of single records found while :meth:`records` streams: record's first line -> message.
        #: A record's entry is there when the record is yielded.
        self.problems: dict[int, str] = {}
        self._row_delimiters = 0  # delimiters that make a line look like a row (0: not checked)
        header, line = self._read_header()
        self._row_delimiters = max(2, len(header) - 1)
        self.info = CsvInfo(name, encoding, label, delimiter, header, line, invalid)

    def _open(self) -> io.TextIOWrapper:
        return open(self.path, encoding=self._encoding, newline="", errors=self._errors)

    def _read_header(self) -> tuple[list[str], int]:
        for line, cells in self._iter(with_header=True):
            header = [show_invalid(c.strip().lstrip("\ufeff").strip()) for c in cells]
            while header and not header[-1]:
                header.pop()
            return header, line
        raise ImportFileError("the file has no header row", path=str(self.path),
                              hint="The first row must name the columns, e.g. Email,First Name,Last Name")

    def _iter(self, *, with_header: bool) -> Iterator[tuple[int, list[str]]]:
        name = str(self.path)
        with self._open() as text:
            lines, behind = tee(text)  # behind: the raw lines, read only for a record that spans lines
            reader = csv.reader(lines, delimiter=self._delimiter)
            last = passed = 0  # passed: lines dropped from behind
            drop_at = KEEP_LINES
            skipped_header = with_header
            try:
                for cells in reader:
                    start, last = last + 1, reader.line_num
                    if last != start or last > drop_at:  # a record spanning lines, or time to drop lines
                        next(islice(behind, start - 1 - passed, start - 1 - passed), None)
                        raw = list(islice(behind, last - start + 1))
                        passed, drop_at = last, last + KEEP_LINES
                        if last != start and self._row_delimiters:
                            problem = self._quote_problem(start, last, raw, cells)
                            if problem:
                                self.problems[start] = problem
                    if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
                        continue  # blank line
                    if not skipped_header:
                        skipped_header = True
                        continue
                    yield start, cells
            except csv.Error as exc:
                raise ImportFileError(f"unreadable CSV record: {exc}", path=name, line=last + 1,
                                      hint="Fix the quoting on that line, or re-save the file as CSV") from None
            except UnicodeDecodeError:
                raise ImportFileError(f"the file is not valid {self._encoding} text", path=name,
                                      line=reader.line_num + 1,
                                      hint="Save the spreadsheet as CSV (UTF-8) and import that file") from None

    def _quote_problem(self, start: int, last: int, raw: list[str], cells: list[str]) -> str | None:
        """Why a record spanning lines ``start``-``last`` (``raw``, parsed into ``cells``) looks like a broken
        quote: one that never closes, or one taking in lines that look like rows of their own; else None."""
        try:
            for _ in csv.reader(raw, delimiter=self._delimiter, strict=True):
                pass
            unclosed = False
        except csv.Error as exc:
            unclosed = "unexpected end of data" in str(exc)
        line = start
        for index, cell in enumerate(cells):
            where = "here" if line == start else f"on line {line}"
            if unclosed and index == len(cells) - 1:
                taken = f": it takes in {_lines(line + 1, last)}, to the end of the file" if last > line else ""
                return f"the quote opened {where} never closes{taken}; close the quote"
            breaks = _line_breaks(cell)
            if not breaks:
                continue
            inside = _LINE_BREAK.split(cell)[1:]
            if any(p.count(self._delimiter) >= self._row_delimiters or _EMAIL_LIKE.search(p) for p in inside):
                which = "which looks like a row of its own" if breaks == 1 else "which look like rows of their own"
                return f"the quote opened {where} takes in {_lines(line + 1, line + breaks)}, {which}; close the quote"
            line += breaks
        return None

    def estimated_records(self) -> int:
        """Roughly how many records the file holds, from its size and its first bytes (nothing more is read)."""
        with self.path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
            size = f.seek(0, io.SEEK_END)
        return max(0, round(size * head.count(b"\n") / max(1, len(head))) - 1)

    def line_breaks(self) -> int:
        """How many line breaks the file holds, counted (at least its records, header included)."""
        count = 0
        with self.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                count += chunk.count(b"\n")
        return count

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of every non-blank data record; ``line`` is where the record starts (1-based)."""
        return self._iter(with_header=False)


def open_csv(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None) -> CsvFile:
    """Open an import file, detecting encoding and delimiter (unless given); raises :class:`ImportFileError`."""
    return CsvFile(path, encoding=encoding, delimiter=delimiter)
