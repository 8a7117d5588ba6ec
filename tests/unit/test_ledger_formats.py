"""How a file writes amounts and dates, decided per whole column; separators; CSV cells
kept from running as formulas; the amount limit."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from creditflow.ledger.formats import FileFormat, normalise_formats
from creditflow.ledger.imports import INVOICE_COLUMNS
from creditflow.ledger.payments import PAYMENT_COLUMNS
from creditflow.ledger.tables import ImportFileError, read_table, sniff_separator
from creditflow.money import amount_too_large_expr
from creditflow.payments.statements import parse_statements
from creditflow.spreadsheet import safe_cell


def frame(column: str, values: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {column: values, "line": list(range(2, len(values) + 2))},
        schema={column: pl.Utf8, "line": pl.Int64},
    )


def normalised(column: str, values: list[str | None], **options):
    columns = PAYMENT_COLUMNS if column == "paid_at" else INVOICE_COLUMNS
    out = normalise_formats(frame(column, values), columns, FileFormat(**options))
    errors = [None] * len(values)
    if out.errors:
        joined = pl.concat_str(out.errors, separator="; ", ignore_nulls=True)
        errors = [e or None for e in out.frame.select(joined).to_series().to_list()]
    return out.frame.get_column(column).to_list(), errors, out.warnings


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["412.50", "100", "1.250"], ["412.50", "100", "1.250"]),  # dots: the contract
        (["1.250,00", "12,50", "1.250", "7"], ["1250.00", "12.50", "1250", "7"]),  # Dutch
        (["1.234.567,89", "0,5"], ["1234567.89", "0.5"]),
        (["100", "250"], ["100", "250"]),  # whole numbers read the same either way
        (["12,50", None, "abc"], ["12.50", None, "abc"]),  # not a number: left to be rejected
    ],
    ids=["dot", "dutch", "dutch-millions", "whole", "dutch-with-gaps"],
)
def test_an_amount_column_is_read_in_the_one_form_all_its_values_share(values, expected):
    read, errors, warnings = normalised("amount", values)
    assert (read, warnings) == (expected, [])
    assert errors == [None] * len(values)


def test_an_amount_column_with_commas_and_dots_keeps_dots_and_warns():
    read, _, warnings = normalised("amount", ["412.50", "9,00"])
    assert read == ["412.50", "9,00"]  # the comma row is rejected by the amount check
    assert warnings == [
        "column amount mixes decimal commas ('9,00' (line 3)) and dots ('412.50' (line 2)): "
        "read with dots, the comma rows rejected; if the file writes 1.250,00, "
        "pass --decimal-comma"
    ]


@pytest.mark.parametrize("values", [["1.250", "300"], ["12.345"]])
def test_an_amount_column_that_reads_two_ways_is_refused_naming_the_options(values):
    with pytest.raises(ImportFileError) as refused:
        normalised("amount", values)
    text = str(refused.value)
    assert text.startswith(f"column amount has '{values[0]}' (line 2): with a decimal comma")
    assert text.endswith("pass --decimal-comma (1.250,00) or --decimal-dot (1250.00)")


@pytest.mark.parametrize(
    ("option", "values", "expected", "error"),
    [
        (True, ["1.250", "12.50"], ["1250", "12.50"], "amount: '12.50' is not written 1.250,00"),
        (False, ["1.250", "300"], ["1.250", "300"], None),
    ],
    ids=["decimal-comma", "decimal-dot"],
)
def test_the_decimal_option_decides_and_other_values_are_rejected(option, values, expected, error):
    read, errors, _ = normalised("amount", values, decimal_comma=option)
    assert read == expected
    assert errors[1] == (error and f"{error} (decimal comma)")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2026-01-31", "2026-02-01"], ["2026-01-31", "2026-02-01"]),
        (["31-01-2026", "1-2-2026"], ["2026-01-31", "2026-02-01"]),  # day first, never US
        (["01-02-2026", "31-02-2026"], ["2026-02-01", "31-02-2026"]),  # no such day: rejected
    ],
    ids=["iso", "dutch", "dutch-bad-day"],
)
def test_a_date_column_in_day_first_form_is_read_day_first(values, expected):
    read, _, warnings = normalised("due_date", values)
    assert (read, warnings) == (expected, [])


def test_a_date_column_mixing_iso_and_day_first_keeps_iso_and_warns():
    read, _, warnings = normalised("due_date", ["2026-01-31", "31-01-2026"])
    assert read == ["2026-01-31", "31-01-2026"]
    assert "pass --date-format dd-mm-yyyy" in warnings[0]


def test_date_format_option_rejects_dates_in_the_other_form():
    read, errors, _ = normalised("due_date", ["31-01-2026", "2026-01-31"], date_format="dd-mm-yyyy")
    assert read == ["2026-01-31", "2026-01-31"]
    assert errors == [None, "due_date: '2026-01-31' is not a date (DD-MM-YYYY)"]


def test_a_payment_moment_written_day_first_keeps_its_time():
    read, _, _ = normalised("paid_at", ["20-01-2026 14:30", "5-1-2026"])
    assert read == ["2026-01-20 14:30", "2026-01-05"]


def test_an_unknown_date_format_is_refused():
    with pytest.raises(ValueError, match="is not one of yyyy-mm-dd, dd-mm-yyyy"):
        FileFormat(date_format="mm-dd-yyyy")


@pytest.mark.parametrize(
    ("header", "separator"),
    [
        ("invoice_number;customer_id;issue_date;due_date;amount", ";"),
        ("invoice_number,customer_id,issue_date", ","),
        ('"name; with semicolon",kind', ","),
        ("single", ","),
    ],
)
def test_the_separator_is_the_one_the_header_uses(header, separator):
    assert sniff_separator(header) == separator


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),  # a plain number runs nothing and imports again as it is
        ("+31612345678", "+31612345678"),
        ("-1.250,00", "-1.250,00"),
        ("Jansen", "Jansen"),
        (None, ""),
    ],
)
def test_a_cell_that_would_run_as_a_formula_is_escaped(cell, written):
    assert safe_cell(cell) == written


@pytest.mark.parametrize(
    ("amount", "too_large"),
    [
        ("100000000000", False),
        ("100000000000.00", False),
        ("000100000000000", False),
        ("100000000000.01", True),
        ("9223372036854775807", True),
        ("99999999999999999999999", True),
        ("-100000000001", True),
        ("12.50", False),
    ],
)
def test_the_amount_limit_is_one_hundred_billion(amount, too_large):
    result = pl.select(amount_too_large_expr(pl.lit(amount))).item()
    assert result is too_large


def test_a_semicolon_file_reads_and_escaped_cells_and_reject_notes_read_back(tmp_path: Path):
    path = tmp_path / "rejects.csv"
    path.write_text(
        "customer_id;name;kind;line;error\n'+C9;'=SUM(A1);consumer;2;kind: wrong\n",
        encoding="utf-8",
    )
    assert read_table(path).to_dicts() == [
        {"customer_id": "+C9", "name": "=SUM(A1)", "kind": "consumer", "line": 2}
    ]


def test_an_unknown_encoding_is_named(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFileError, match="unknown encoding 'latin-9000'"):
        read_table(path, "latin-9000")


def test_an_mt940_line_beyond_the_limit_is_rejected_and_the_others_kept():
    text = (
        ":20:STMT1\r\n:25:NL91ABNA0417164300\r\n:28C:1\r\n:60F:C260301EUR0,00\r\n"
        ":61:2603020302C60,00NTRFNONREF\r\n:86:INV-1\r\n"
        ":61:2603020302C1000000000000000000000000,00NTRFNONREF\r\n:86:too much\r\n"
        ":62F:C260302EUR60,00\r\n-\r\n"
    )
    [statement] = parse_statements(text.encode(), "day.940")
    assert [str(e.amount.amount) for e in statement.entries] == ["60.00"]
    assert statement.rejected == [
        "line 7: :61: amount: amount 1000000000000000000000000.00 is too large (max 100000000000)"
    ]


@pytest.mark.parametrize(
    ("name", "content", "separator"),
    [
        ("facturen.csv", "\ufeffinvoice_number;customer_id;amount\r\nF-1;K1;1.250,00\r\n", ";"),
        ("invoices.csv", "invoice_number,customer_id,amount\nINV-1,C1,12.50\n", ","),
        ("mixed.csv", '"name; with semicolon",kind\n', ","),
        ("book.xlsx", "not read: a workbook's rejects are comma-separated", ","),
    ],
)
def test_the_rejects_file_is_separated_as_its_input(tmp_path: Path, name, content, separator):
    from creditflow.ledger.validation import input_separator, write_rejects

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert input_separator(path) == separator
    rejected = pl.DataFrame({"amount": ["1,5"], "line": [2], "error": ["amount: bad"]})
    target = write_rejects(path, rejected)
    assert target.read_text(encoding="utf-8").splitlines()[0] == separator.join(
        ["amount", "line", "error"]
    )
