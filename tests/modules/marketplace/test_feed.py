"""Reading feeds: separators sniffed, encodings detected, quoted newlines, offsets exact."""

from __future__ import annotations

import pytest

from orion.modules.marketplace.services import feed
from tests.modules.marketplace.conftest import feed_text

ROWS = [
    {"id": "A-1", "title": "Café crème", "price": "12,34 EUR"},
    {"id": "A-2", "title": "Two\nlines", "price": "5.00 EUR"},
]


@pytest.mark.parametrize("delimiter", ["\t", ",", ";"])
def test_the_separator_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "feed.csv"
    path.write_text(feed_text(ROWS, delimiter), encoding="utf-8")
    shape = feed.sniff(path)
    assert shape.delimiter == delimiter
    assert shape.rows_total == 2
    assert shape.header[:3] == ["id", "title", "description"]


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8"), ("cp1252", b"", "cp1252")],
)
def test_utf8_with_or_without_bom_and_windows_1252_are_read(tmp_path, encoding, prefix, expected):
    path = tmp_path / "feed.csv"
    path.write_bytes(prefix + feed_text(ROWS).encode(encoding))
    shape = feed.sniff(path)
    assert shape.encoding == expected
    block = next(feed.blocks(path, shape, start=shape.data_offset, first_row=2, size=10))
    assert [values["title"] for _, values in block.rows] == ["Café crème", "Two\nlines"]
    assert block.rows[0][1]["id"] == "A-1"  # the BOM is not part of the first column's name


def test_a_quoted_newline_keeps_its_record_whole_and_offsets_resume_exactly(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(feed_text(ROWS * 3), encoding="utf-8")
    shape = feed.sniff(path)
    assert shape.rows_total == 6
    first = next(feed.blocks(path, shape, start=shape.data_offset, first_row=2, size=3))
    rest = list(feed.blocks(path, shape, start=first.end_offset, first_row=5, size=3))
    numbers = [n for n, _ in first.rows] + [n for b in rest for n, _ in b.rows]
    assert numbers == [2, 3, 4, 5, 6, 7]
    assert rest[0].rows[0][1]["title"] == "Two\nlines"


def test_a_file_without_separators_is_refused(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("just one column\nvalue\n")
    with pytest.raises(feed.FeedUnreadable, match="separat"):
        feed.sniff(path)
