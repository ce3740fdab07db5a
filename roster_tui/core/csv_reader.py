"""Read an admin's CSV file as the spreadsheet wrote it: encoding, delimiter, line endings, quoted newlines.

Records are streamed with the physical line they start on; nothing but the header is kept in memory.
Every problem with the file itself is raised as :class:`ImportFileError`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_FIELD = 1024 * 1024
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "cp1252": "Windows-1252"}

csv.field_size_limit(MAX_FIELD)


class ImportFileError(Exception):
    """The file (or a line of it) cannot be used; the message says where and what to do."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None) -> None:
        self.path, self.line, self.column, self.hint = path, line, column, hint
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

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def _is_utf8(path: Path, skip: int) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        f.seek(skip)
        try:
            while chunk := f.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: Path, head: bytes) -> tuple[str, str]:
    """``(codec, label)`` of a file whose first bytes are ``head``; raises for binary files."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 with BOM"
    if b"\x00" in head:
        raise ImportFileError("this is not a text file (it contains NUL bytes)", path=str(path),
                              hint="Save the spreadsheet as CSV (UTF-8) and import that file")
    if _is_utf8(path, 0):
        return "utf-8", "UTF-8"
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError("this is neither UTF-8 nor Windows-1252 text", path=str(path),
                              hint="Save the spreadsheet as CSV (UTF-8) and import that file") from None
    return "cp1252", "Windows-1252 (legacy encoding, detected)"


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
            with self.path.open("rb") as f:
                head = f.read(SAMPLE_BYTES)
        except IsADirectoryError:
            raise ImportFileError("this is a directory, not a file", path=name) from None
        except OSError as exc:
            raise ImportFileError(f"cannot read the file: {exc.strerror or exc}", path=name,
                                  hint="Check the path and the file's permissions") from None
        if not head.strip():
            raise ImportFileError("the file is empty", path=name, hint="Export the roster sheet as CSV first")
        if encoding:
            label = f"{ENCODING_LABELS.get(encoding, encoding)} (chosen)"
        else:
            encoding, label = detect_encoding(self.path, head)
        if not delimiter:
            try:
                sample = head.decode(encoding, errors="ignore")
            except LookupError:
                raise ImportFileError(f"unknown encoding {encoding!r}", path=name) from None
            delimiter = sniff_delimiter(sample.lstrip("\ufeff"))
        self._encoding, self._delimiter = encoding, delimiter
        header, line = self._read_header()
        self.info = CsvInfo(name, encoding, label, delimiter, header, line)

    def _open(self) -> io.TextIOWrapper:
        return open(self.path, encoding=self._encoding, newline="", errors="strict")

    def _read_header(self) -> tuple[list[str], int]:
        for line, cells in self._iter(with_header=True):
            header = [c.strip().lstrip("\ufeff").strip() for c in cells]
            while header and not header[-1]:
                header.pop()
            return header, line
        raise ImportFileError("the file has no header row", path=str(self.path),
                              hint="The first row must name the columns, e.g. Email,First Name,Last Name")

    def _iter(self, *, with_header: bool) -> Iterator[tuple[int, list[str]]]:
        name = str(self.path)
        with self._open() as text:
            reader = csv.reader(text, delimiter=self._delimiter)
            last = 0
            skipped_header = with_header
            try:
                for cells in reader:
                    start, last = last + 1, reader.line_num
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

    def estimated_records(self) -> int:
        """Roughly how many records the file holds, from its size and its first bytes (nothing more is read)."""
        with self.path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
            size = f.seek(0, io.SEEK_END)
        return max(0, round(size * head.count(b"\n") / max(1, len(head))) - 1)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of every non-blank data record; ``line`` is where the record starts (1-based)."""
        return self._iter(with_header=False)


def open_csv(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None) -> CsvFile:
    """Open an import file, detecting encoding and delimiter (unless given); raises :class:`ImportFileError`."""
    return CsvFile(path, encoding=encoding, delimiter=delimiter)
