"""One bad cell is one rejected row: `creditflow import` keeps every good row and names
the bad one (line, field, reason) in the rejects file, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from creditflow.cli import app as creditflow
from tests.support.payments_statements import Tx, camt053, rows, scalar, write

CREDITFLOW = Path(sys.executable).with_name("creditflow")
runner = CliRunner()

CUSTOMERS = "customer_id,name,kind\nC1,Jan de Vries,consumer\nC2,Bakkerij Smit,business\n"
INVOICE_HEADER = "invoice_number,customer_id,issue_date,due_date,amount\n"


def run(db: str, *args: str) -> tuple[int, str]:
    done = runner.invoke(creditflow, [*args, "--db", db])
    return done.exit_code, done.output


def rejects(path: Path, separator: str = ",") -> list[dict[str, str]]:
    """The rejects file's rows; it is separated as the input is."""
    with path.with_name(path.name + ".rejects.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=separator))


@pytest.fixture
def books(database_url: str, engine: Engine, settings, tmp_path: Path) -> str:
    """Two customers imported through the command line (settings: cwd is tmp_path)."""
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    code, output = run(database_url, "import", "customers", str(tmp_path / "customers.csv"))
    assert code == 0, output
    return database_url


def invoice_numbers(engine: Engine) -> list[str]:
    return [r["invoice_number"] for r in rows(engine, "SELECT invoice_number FROM invoice")]


@pytest.mark.parametrize("amount", ["9223372036854775807", "99999999999999999999999"])
def test_an_invoice_amount_beyond_the_limit_is_one_rejected_row(books, engine, tmp_path, amount):
    path = tmp_path / "invoices.csv"
    path.write_text(
        INVOICE_HEADER
        + "INV-1,C1,2026-01-01,2026-01-31,120.00\n"
        + f"INV-2,C1,2026-01-01,2026-01-31,{amount}\n"
        + "INV-3,C2,2026-01-01,2026-01-31,100000000000.00\n"
    )
    code, output = run(books, "import", "invoices", str(path))
    assert code == 1, output
    assert "imported 2, updated 0, unchanged 0, rejected 1" in output
    assert sorted(invoice_numbers(engine)) == ["INV-1", "INV-3"]
    assert scalar(engine, "SELECT amount_minor FROM invoice WHERE invoice_number = 'INV-3'") == (
        10**13
    )
    [bad] = rejects(path)
    assert (bad["line"], bad["invoice_number"]) == ("3", "INV-2")
    assert bad["error"] == f"amount: '{amount}' is too large (max 100000000000)"


def test_a_payment_dated_2026_13_45_is_rejected_and_the_other_is_booked(books, engine, tmp_path):
    path = tmp_path / "payments.csv"
    path.write_text(
        "payment_id,amount,paid_at,customer_id\n"
        "P1,10.00,2026-13-45,C1\n"
        "P2,20.00,2026-02-01T25:00,C1\n"
        "P3,99999999999999999999999,2026-02-01,C1\n"
        "P4,30.00,2026-02-01,C1\n"
    )
    code, output = run(books, "import", "payments", str(path))
    assert code == 1, output
    assert "imported 1, updated 0, unchanged 0, rejected 3" in output
    assert [r["payment_id"] for r in rows(engine, "SELECT payment_id FROM payment")] == ["P4"]
    errors = {r["line"]: r["error"] for r in rejects(path)}
    assert errors["2"].startswith("paid_at: '2026-13-45' is not a date or ISO date-time")
    assert errors["3"].startswith("paid_at: '2026-02-01T25:00' is not a date or ISO date-time")
    assert errors["4"] == "amount: '99999999999999999999999' is too large (max 100000000000)"


def test_a_nul_byte_in_a_cell_rejects_that_row_naming_the_field(books, engine, tmp_path):
    path = tmp_path / "customers2.csv"
    path.write_bytes(
        b"customer_id,name,kind,city\n"
        b"C3,Piet\x00Jansen,consumer,Delft\n"
        b"C4,Anna Bakker,consumer,Ede\x07\n"
        b"C5,Kees Visser,consumer,Gouda\n"
    )
    code, output = run(books, "import", "customers", str(path))
    assert code == 1, output
    assert "imported 1, updated 0, unchanged 0, rejected 2" in output
    ids = [r["customer_id"] for r in rows(engine, "SELECT customer_id FROM customer")]
    assert sorted(ids) == ["C1", "C2", "C5"]
    errors = {r["line"]: r["error"] for r in rejects(path)}
    assert (
        errors["2"]
        == "name: contains the control character 0x00 (a NUL or similar byte); remove it"
    )
    assert (
        errors["3"]
        == "city: contains the control character 0x07 (a NUL or similar byte); remove it"
    )


def test_a_text_file_named_xlsx_is_a_clear_error_not_a_traceback(books, engine, tmp_path):
    path = tmp_path / "invoices.xlsx"
    path.write_text(INVOICE_HEADER + "INV-1,C1,2026-01-01,2026-01-31,120.00\n")
    code, output = run(books, "import", "invoices", str(path))
    assert code == 2
    assert "Traceback" not in output
    assert "invoices.xlsx: not an Excel workbook" in " ".join(output.split())
    assert "nothing imported" in output
    assert invoice_numbers(engine) == []


def test_a_camt_entry_of_10_to_the_24_is_rejected_and_the_others_are_booked(
    books, engine, tmp_path
):
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICE_HEADER + "INV-1,C1,2026-01-01,2026-01-31,60.00\n")
    assert run(books, "import", "invoices", str(path))[0] == 0
    statement = write(
        tmp_path,
        "day.xml",
        camt053(Tx("60.00", "J. de Vries", text="INV-1"), Tx("1" + "0" * 24, "Zeer Rijk")),
    )
    code, output = run(books, "import", "statement", str(statement))
    assert code == 1, output
    assert "rejected (not imported)" in output
    assert "Amt: amount 1000000000000000000000000 is too large (max 100000000000)" in output
    assert scalar(engine, "SELECT status FROM invoice WHERE invoice_number = 'INV-1'") == "paid"
    assert scalar(engine, "SELECT count(*) FROM statement_entry") == 1
    again, output = run(books, "import", "statement", str(statement))
    assert again == 1  # the bad entry is still refused; nothing is booked twice
    assert scalar(engine, "SELECT count(*) FROM payment") == 1


def test_rejected_formula_cells_are_escaped_and_the_fixed_file_imports(books, engine, tmp_path):
    path = tmp_path / "customers3.csv"
    path.write_text(
        "customer_id,name,kind,phone,segment\n"
        '+C9,"=HYPERLINK(""http://x"",""y"")",person,+31612345678,@cmd\n'
        "C8,-Visser,consumer,-5,+SUM(A1)\n"
    )
    code, output = run(books, "import", "customers", str(path))
    assert code == 1, output
    written = path.with_name(path.name + ".rejects.csv").read_text()
    assert "'=HYPERLINK" in written and "'@cmd" in written and "'+SUM(A1)" in written
    bad = {r["line"]: r for r in rejects(path)}
    assert bad["2"]["customer_id"] == "'+C9" and bad["2"]["name"].startswith("'=HYPERLINK")
    assert bad["2"]["phone"] == "+31612345678"  # a plain number runs nothing: left as it is
    assert bad["3"]["name"] == "'-Visser" and bad["3"]["phone"] == "-5"
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(
        path.with_name(path.name + ".rejects.csv")
        .read_text()
        .replace(",person,", ",consumer,")
        .replace(",-5,", ",,")
    )
    code, output = run(books, "import", "customers", str(fixed))
    assert code == 0, output
    names = dict(
        (r["customer_id"], r["name"])
        for r in rows(engine, "SELECT customer_id, name FROM customer WHERE customer_id <> 'C1'")
    )
    assert names["+C9"] == '=HYPERLINK("http://x","y")'  # stored as the file meant it
    assert names["C8"] == "-Visser"


# A Dutch accounting package's export, as Excel (NL) saves it: a byte order mark,
# semicolons, Windows line ends, decimal commas with thousands dots, day-first dates.
DUTCH_CUSTOMERS = (
    "\ufeffcustomer_id;name;kind;city\r\n"
    "K100;Bakkerij Smit, B.V.;business;Utrecht\r\n"
    "K101;Jérôme van Dijk;consumer;Delft\r\n"
)
DUTCH_INVOICES = (
    "\ufeffinvoice_number;customer_id;issue_date;due_date;amount;description\r\n"
    "F-2026-001;K100;31-12-2025;30-01-2026;1.250,00;Onderhoud, januari\r\n"
    "F-2026-002;K101;5-1-2026;19-1-2026;12,50;Service\r\n"
    "F-2026-003;K100;15-01-2026;14-02-2026;2.000;Installatie\r\n"
    "F-2026-004;K101;15-01-2026;31-02-2026;99,95;Te laat\r\n"
)
DUTCH_PAYMENTS = (  # saved as Windows-1252, the way Excel (NL) writes "CSV"
    "payment_id;amount;paid_at;invoice_number;reference\r\n"
    "B-1;250,00;20-01-2026;F-2026-001;Termijn één\r\n"
)


def test_a_dutch_excel_export_imports_end_to_end(database_url, engine, tmp_path):
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url}
    env.pop("CREDITFLOW_CONFIG", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip

    (tmp_path / "klanten.csv").write_text(DUTCH_CUSTOMERS, encoding="utf-8")
    (tmp_path / "facturen.csv").write_text(DUTCH_INVOICES, encoding="utf-8")
    (tmp_path / "betalingen.csv").write_bytes(DUTCH_PAYMENTS.encode("cp1252"))
    done = cli("import", "customers", "klanten.csv")
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "imported 2, updated 0, unchanged 0, rejected 0",
    ), done.stderr
    done = cli("import", "invoices", "facturen.csv")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("imported 3, updated 0, unchanged 0, rejected 1")
    [bad] = rejects(tmp_path / "facturen.csv", ";")  # separated as the file is, for Excel (NL)
    assert (bad["line"], bad["due_date"], bad["amount"]) == ("5", "31-02-2026", "99,95")
    assert bad["error"] == "due_date: '31-02-2026' is not a date (DD-MM-YYYY)"
    invoices = rows(
        engine,
        "SELECT invoice_number, issue_date, due_date, amount_minor, description FROM invoice "
        "ORDER BY invoice_number",
    )
    assert [(r["invoice_number"], str(r["issue_date"]), str(r["due_date"]), r["amount_minor"])
            for r in invoices] == [
        ("F-2026-001", "2025-12-31", "2026-01-30", 125000),
        ("F-2026-002", "2026-01-05", "2026-01-19", 1250),
        ("F-2026-003", "2026-01-15", "2026-02-14", 200000),
    ]  # fmt: skip
    assert invoices[0]["description"] == "Onderhoud, januari"
    assert scalar(engine, "SELECT name FROM customer WHERE customer_id = 'K101'") == (
        "Jérôme van Dijk"
    )
    again = cli("import", "invoices", "facturen.csv")
    assert again.stdout.startswith("imported 0, updated 0, unchanged 3, rejected 1")
    fixed = tmp_path / "facturen.csv.rejects.csv"
    fixed.write_text(fixed.read_text(encoding="utf-8").replace("31-02-2026", "28-02-2026"))
    done = cli("import", "invoices", str(fixed))
    assert (done.returncode, done.stdout.strip()) == (
        0,
        "imported 1, updated 0, unchanged 0, rejected 0",
    ), done.stderr
    assert scalar(engine, "SELECT due_date FROM invoice WHERE invoice_number = 'F-2026-004'") in (
        "2026-02-28",
        date(2026, 2, 28),
    )

    not_utf8 = cli("import", "payments", "betalingen.csv")
    assert not_utf8.returncode == 2
    assert "pass --encoding cp1252" in " ".join(not_utf8.stderr.split())
    paid = cli("import", "payments", "betalingen.csv", "--encoding", "cp1252")
    assert (paid.returncode, paid.stdout.strip()) == (
        0,
        "imported 1, updated 0, unchanged 0, rejected 0",
    ), paid.stderr
    payment = rows(engine, "SELECT amount_minor, reference FROM payment")
    assert payment == [{"amount_minor": 25000, "reference": "Termijn één"}]
    assert scalar(engine, "SELECT open_minor FROM invoice WHERE invoice_number = 'F-2026-001'") == (
        100000
    )


def test_a_column_that_reads_two_ways_is_refused_with_the_option_to_pass(books, engine, tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text(
        "invoice_number;customer_id;issue_date;due_date;amount\n"
        "INV-1;C1;2026-01-01;2026-01-31;1.250\n"
        "INV-2;C1;2026-01-01;2026-01-31;300\n"
    )
    code, output = run(books, "import", "invoices", str(path))
    assert code == 2
    message = " ".join(output.split())
    assert "column amount has '1.250' (line 2)" in message
    assert "pass --decimal-comma (1.250,00) or --decimal-dot (1250.00)" in message
    assert invoice_numbers(engine) == []
    code, output = run(books, "import", "invoices", str(path), "--decimal-comma")
    assert code == 0, output
    assert scalar(engine, "SELECT amount_minor FROM invoice WHERE invoice_number = 'INV-1'") == (
        125000
    )
