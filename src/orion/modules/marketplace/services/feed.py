"""Reading product feeds as they arrive: CSV records in UTF-8 (with or without a BOM) or
Windows-1252, separated by tabs, commas or semicolons (the csv module's Sniffer decides),
with quoted fields holding newlines. Functions over a file on disk, in constant memory.

The csv reader is fed one line at a time by a generator that counts the bytes it hands
out, so after each record we know the exact byte offset where the next one starts: the
import's checkpoint. A quote or a newline is one byte in both encodings, so the offset is
exact for either.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOM = codecs.BOM_UTF8
DELIMITERS = "\t,;"
csv.field_size_limit(1024 * 1024)  # a longer field is an unclosed quote


class FeedUnreadable(ValueError):
    """The file is not a feed we can read (the message says why, for the merchant)."""


@dataclass(frozen=True)
class FeedShape:
    encoding: str  # "utf-8" or "cp1252"
    delimiter: str
    header: list[str]
    data_offset: int  # the byte where the first data record starts
    rows_total: int


class _Lines:
    """The file's lines from `start`, decoded; `offset` is the byte after the last line
    handed to the csv reader."""

    def __init__(self, path: Path, start: int, encoding: str, strict: bool) -> None:
        self.handle = path.open("rb")
        self.handle.seek(start)
        self.offset = start
        self.encoding = encoding
        self.errors = "strict" if strict else "replace"

    def __iter__(self) -> Iterator[str]:
        decode, errors = self.encoding, self.errors
        for raw in self.handle:
            self.offset += len(raw)
            yield raw.decode(decode, errors)

    def close(self) -> None:
        self.handle.close()


def _reader(lines: _Lines, delimiter: str) -> Iterator[list[str]]:
    try:
        for cells in csv.reader(lines, delimiter=delimiter):
            if cells and any(cell.strip() for cell in cells):
                yield cells
    except csv.Error as exc:
        raise FeedUnreadable(
            f"unreadable near byte {lines.offset}: {exc} (a quote that is never closed?)"
        ) from None


def _start(path: Path) -> int:
    with path.open("rb") as handle:
        return len(BOM) if handle.read(len(BOM)) == BOM else 0


def sniff(path: Path) -> FeedShape:
    """The feed's encoding, delimiter, header and number of data records (one pass over
    the file; a second in Windows-1252 when it turns out not to be UTF-8)."""
    start = _start(path)
    with path.open("rb") as handle:
        handle.seek(start)
        first = handle.readline()
    if not first.strip():
        raise FeedUnreadable("the file is empty, or its first line (the column names) is")
    try:
        header_text = first.decode("utf-8")
    except UnicodeDecodeError:
        header_text = first.decode("cp1252", errors="replace")
    delimiter = _delimiter(header_text)
    encodings = ["utf-8"] if start else ["utf-8", "cp1252"]
    for encoding in encodings:
        lines = _Lines(path, start, encoding, strict=encoding == "utf-8" and not start)
        try:
            records = _reader(lines, delimiter)
            header = [name.strip().lower() for name in next(records)]
            data_offset = lines.offset
            rows = sum(1 for _ in records)
            return FeedShape(encoding, delimiter, header, data_offset, rows)
        except UnicodeDecodeError:
            continue  # not UTF-8 after all: the Windows code page
        finally:
            lines.close()
    raise FeedUnreadable("the file is neither UTF-8 nor Windows-1252")


def _delimiter(header: str) -> str:
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        if counts[best] == 0:
            raise FeedUnreadable(
                "no column separator in the first line: separate the columns with tabs, "
                "commas or semicolons"
            ) from None
        return best


@dataclass(frozen=True)
class Block:
    """Consecutive data records as {column: value}, the row number of the first (the
    header is row 1, the first data record row 2) and the byte just after the last."""

    rows: list[tuple[int, dict[str, str]]]
    end_offset: int


def blocks(
    path: Path, shape: FeedShape, *, start: int, first_row: int, size: int
) -> Iterator[Block]:
    """The data records from byte `start` (row number `first_row`) on, `size` per block."""
    lines = _Lines(path, start, shape.encoding, strict=False)
    header = shape.header
    width = len(header)
    numbers = itertools.count(first_row)
    try:
        records = _reader(lines, shape.delimiter)
        while True:
            rows = []
            for cells in itertools.islice(records, size):
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                rows.append((next(numbers), dict(zip(header, cells, strict=False))))
            if not rows:
                return
            yield Block(rows, lines.offset)
    finally:
        lines.close()


def data_offset(path: Path, shape: FeedShape) -> int:
    """The byte where the first data record starts (just after the header)."""
    lines = _Lines(path, _start(path), shape.encoding, strict=False)
    try:
        next(_reader(lines, shape.delimiter))
        return lines.offset
    finally:
        lines.close()
