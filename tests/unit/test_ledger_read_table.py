"""Reading import files: exact line numbers, trimmed text, empty cells as missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditflow.ledger.validation import ImportFileError, read_table


def table(tmp_path: Path, text: str):
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    return read_table(path).to_dicts()


def test_cells_are_trimmed_and_empty_cells_are_missing(tmp_path):
    rows = table(tmp_path, "A, B \n x ,\n")
    assert rows == [{"a": "x", "b": None, "line": 2}]


def test_blank_lines_are_skipped_but_counted(tmp_path):
    rows = table(tmp_path, "a,b\n1,2\n\n3,4\n")
    assert [(r["a"], r["line"]) for r in rows] == [("1", 2), ("3", 4)]


def test_a_quoted_value_over_two_lines_keeps_the_line_numbers_exact(tmp_path):
    rows = table(tmp_path, 'a,b\n"one\ntwo",2\n3,4\n')
    assert [(r["a"], r["line"]) for r in rows] == [("one\ntwo", 3), ("3", 4)]


def test_a_byte_order_mark_and_windows_line_ends_are_accepted(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("\ufeffa,b\r\n1,2\r\n".encode())
    assert read_table(path).to_dicts() == [{"a": "1", "b": "2", "line": 2}]


@pytest.mark.parametrize(
    "content,reason",
    [(b"", "empty"), (b"a,a\n1,2\n", "appears twice"), (b"\xff\xfea,b\n", "not UTF-8")],
)
def test_unreadable_files_say_why(tmp_path, content, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=reason):
        read_table(path)
