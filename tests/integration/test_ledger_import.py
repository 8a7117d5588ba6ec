"""Imports on a real database: bad rows are named, good rows land, re-import changes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import import_payments
from creditflow.ledger.references import is_valid_rf

CUSTOMERS = """customer_id,name,kind,language,country,timezone,email,phone,whatsapp,address_line1,postal_code,city,iban,opt_out,tags,segment
C001,Jan de Vries,consumer,nl,NL,,jan@example.nl,0612345678,+31612345678,Dorpsstraat 1,1234 AB,Utrecht,NL91ABNA0417164300,whatsapp,vip;new,
C002,Bakkerij Brood B.V.,business,,,,info@bakkerij.nl,020-1234567,,Markt 3,3511 AA,Utrecht,,,,
C003,John Smith,consumer,en,US,,john@example.com,+1 212 555 0100,,,,,,,,
"""

BAD_CUSTOMERS = """customer_id,name,kind,language,country,email,phone,iban,opt_out
C010,Good Row,consumer,nl,NL,good@example.nl,0612345670,,
C011,Wrong Kind,person,nl,NL,,,,
C012,Bad Contacts,consumer,xx,ZZ,not-an-email,123,NL00BAD,fax
C010,Duplicate,consumer,nl,NL,,,,
,No Id,consumer,nl,NL,,,,
"""


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def rejects(path: Path) -> list[dict[str, str]]:
    with path.with_name(path.name + ".rejects.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def ledger(engine, settings, tmp_path):
    summary = import_customers(engine, write(tmp_path / "customers.csv", CUSTOMERS), settings)
    assert summary.rejected == 0, summary.line()
    return engine


def test_customers_import_normalises_contacts_and_time_zones(ledger):
    with ledger.connect() as conn:
        rows = dict(conn.execute(text("SELECT customer_id, timezone FROM customer")).fetchall())
        points = conn.execute(
            text(
                "SELECT c.customer_id, p.channel, p.address, p.opted_out FROM contact_point p "
                "JOIN customer c ON c.id = p.customer_id ORDER BY 1, 2"
            )
        ).fetchall()
    assert rows == {
        "C001": "Europe/Amsterdam",
        "C002": "Europe/Amsterdam",
        "C003": "America/New_York",
    }
    c001 = {(ch, addr, bool(opt)) for cid, ch, addr, opt in points if cid == "C001"}
    assert ("sms", "+31612345678", False) in c001
    assert ("whatsapp", "+31612345678", True) in c001  # opted out in the file
    assert ("email", "jan@example.nl", False) in c001
    c002_channels = {ch for cid, ch, _, _ in points if cid == "C002"}
    assert "sms" not in c002_channels  # a landline gets voice and letters, no SMS
    assert {"voice", "letter", "email"} <= c002_channels


def test_bad_customer_rows_are_rejected_with_line_field_and_reason(engine, settings, tmp_path):
    path = write(tmp_path / "bad.csv", BAD_CUSTOMERS)
    summary = import_customers(engine, path, settings)
    assert (summary.imported, summary.rejected) == (1, 4)
    by_line = {r["line"]: r["error"] for r in rejects(path)}
    assert by_line["3"] == "kind: 'person' is not one of consumer|business"
    assert "language: 'xx' is not an ISO 639-1 language code" in by_line["4"]
    assert "country: 'ZZ' is not an ISO 3166-1 alpha-2 country code" in by_line["4"]
    assert "email: 'not-an-email' is not a valid e-mail address" in by_line["4"]
    assert "iban: 'NL00BAD' is not a valid IBAN" in by_line["4"]
    assert "opt_out: unknown channel(s) fax" in by_line["4"]
    assert by_line["5"] == "customer_id: duplicate 'C010' (first on line 2)"
    assert "customer_id: required value is empty" in by_line["6"]
    assert list(rejects(path)[0])[-2:] == ["line", "error"]


def test_reimporting_the_same_customers_changes_nothing_and_edits_count_as_updates(
    ledger, settings, tmp_path
):
    again = import_customers(ledger, write(tmp_path / "customers.csv", CUSTOMERS), settings)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    edited = CUSTOMERS.replace("jan@example.nl", "jan.devries@example.nl")
    summary = import_customers(ledger, write(tmp_path / "customers.csv", edited), settings)
    assert (summary.imported, summary.updated, summary.unchanged) == (0, 1, 2)
    with ledger.connect() as conn:
        emails = (
            conn.execute(
                text(
                    "SELECT address FROM contact_point WHERE channel = 'email' AND customer_id = 1"
                )
            )
            .scalars()
            .all()
        )
    assert emails == ["jan.devries@example.nl"]


INVOICES = """invoice_number,customer_id,issue_date,due_date,amount,currency,open_amount,status,description,payment_reference
INV-1001,C001,2026-01-01,2026-01-15,412.50,EUR,,,Onderhoud,
INV-1002,C001,2026-01-20,2026-02-03,100.00,,,,Onderdelen,
INV-1003,C002,2026-01-01,2026-01-31,2500,EUR,1000.00,,Installatie,RF18539007547034
INV-1004,C003,2026-02-01,2026-02-25,99.99,USD,,,Service,
BAD-1,C001,2026-13-01,2026-01-15,12,EUR,,,,
BAD-2,C001,2026-01-01,2026-01-15,"12,50",EUR,,,,
BAD-3,C999,2026-01-01,2026-01-15,abc,ABC,,,,
BAD-4,C001,2026-02-01,2026-01-15,10.123,EUR,20,,,
BAD-5,C001,2026-01-01,2026-01-15,10,EUR,,,,RF00BAD
INV-1001,C002,2026-01-01,2026-01-15,1,EUR,,,,
"""


def test_invoices_import_rejects_each_bad_row_with_its_reasons(ledger, settings, tmp_path):
    path = write(tmp_path / "invoices.csv", INVOICES)
    summary = import_invoices(ledger, path, settings)
    assert (summary.imported, summary.rejected) == (4, 6)
    by_line = {r["line"]: r["error"] for r in rejects(path)}
    assert by_line["6"] == "issue_date: '2026-13-01' is not a date (YYYY-MM-DD)"
    assert by_line["7"] == "amount: '12,50' uses a comma; write decimals with a dot (12.50)"
    assert "amount: 'abc' is not a number" in by_line["8"]
    assert "currency: unknown currency 'ABC'" in by_line["8"]
    assert "customer_id: unknown customer 'C999'" in by_line["8"]
    assert "due_date: before issue_date" in by_line["9"]
    assert "amount: '10.123' has more decimals than EUR allows" in by_line["9"]
    assert "open_amount: larger than amount" in by_line["9"]
    assert by_line["10"].startswith("payment_reference: 'RF00BAD'")
    assert by_line["11"] == "invoice_number: duplicate 'INV-1001' (first on line 2)"


def test_invoices_get_exact_amounts_and_a_structured_reference(ledger, settings, tmp_path):
    import_invoices(ledger, write(tmp_path / "invoices.csv", INVOICES), settings)
    with ledger.connect() as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                text(
                    "SELECT invoice_number, amount_minor, open_minor, currency, payment_reference FROM invoice"
                )
            )
        }
    assert rows["INV-1001"][:3] == (41250, 41250, "EUR")
    assert rows["INV-1002"][2] == "EUR"  # the organisation's default currency
    assert rows["INV-1003"] == (250000, 100000, "EUR", "RF18539007547034")
    assert rows["INV-1004"][:3] == (9999, 9999, "USD")
    assert all(is_valid_rf(r[3]) for r in rows.values())


def test_reimporting_invoices_is_idempotent(ledger, settings, tmp_path):
    path = write(tmp_path / "invoices.csv", INVOICES)
    import_invoices(ledger, path, settings)
    again = import_invoices(ledger, path, settings)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 4)


def test_a_file_missing_a_required_column_rejects_every_row_with_the_reason(
    ledger, settings, tmp_path
):
    path = write(
        tmp_path / "inv.csv",
        "invoice_number,customer_id,issue_date,amount\nX-1,C001,2026-01-01,10\n",
    )
    summary = import_invoices(ledger, path, settings)
    assert summary.rejected == 1
    assert rejects(path)[0]["error"] == "required column 'due_date' is missing from the header"


def test_xlsx_files_import_like_csv(ledger, settings, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["invoice_number", "customer_id", "issue_date", "due_date", "amount"])
    sheet.append(["X-1", "C001", "2026-01-01", "2026-01-31", "19.95"])
    path = tmp_path / "invoices.xlsx"
    book.save(path)
    summary = import_invoices(ledger, path, settings)
    assert (summary.imported, summary.rejected) == (1, 0)


PAYMENTS = """payment_id,amount,paid_at,currency,customer_id,invoice_number,reference,method
P1,100.00,2026-02-10,EUR,C001,INV-1002,,transfer
P2,50.00,2026-02-11T10:15:00+01:00,EUR,,,{ref},transfer
P3,500.00,2026-02-12,EUR,C001,,,transfer
P4,10.00,2026-02-12,EUR,C999,,,transfer
"""


def test_payments_are_allocated_named_invoice_then_reference_then_oldest_first(
    ledger, settings, tmp_path
):
    import_invoices(ledger, write(tmp_path / "invoices.csv", INVOICES), settings)
    with ledger.connect() as conn:
        ref = conn.execute(
            text("SELECT payment_reference FROM invoice WHERE invoice_number = 'INV-1003'")
        ).scalar_one()
    path = write(tmp_path / "payments.csv", PAYMENTS.format(ref=ref))
    summary = import_payments(ledger, path, settings)
    assert (summary.imported, summary.rejected) == (3, 1)
    assert rejects(path)[0]["error"] == "customer_id: unknown customer 'C999'"
    with ledger.connect() as conn:
        invoices = dict(
            conn.execute(text("SELECT invoice_number, open_minor FROM invoice")).fetchall()
        )
        status = dict(conn.execute(text("SELECT invoice_number, status FROM invoice")).fetchall())
        credit = conn.execute(
            text("SELECT credit_minor FROM customer WHERE customer_id = 'C001'")
        ).scalar_one()
    assert invoices["INV-1002"] == 0 and status["INV-1002"] == "paid"  # named invoice
    assert invoices["INV-1003"] == 95000  # partial payment by structured reference
    assert invoices["INV-1001"] == 0  # oldest first took 412.50 of P3 ...
    assert credit == 8750  # ... and the 87.50 left stays as credit
    again = import_payments(ledger, path, settings)
    assert (again.imported, again.unchanged) == (0, 3)
