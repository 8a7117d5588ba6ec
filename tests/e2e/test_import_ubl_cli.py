"""`creditflow import ubl` as a user runs it (a real subprocess), on SQLite and PostgreSQL:
the Peppol examples land with the README's figures, re-import changes nothing, a credit
note lowers what is open, and broken or hostile XML is one reject that costs nothing else."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.payments_statements import rows, scalar
from tests.support.ubl import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    MALFORMED,
    NOT_UBL,
    billing_reference,
    ubl_invoice,
)

CREDITFLOW = Path(sys.executable).with_name("creditflow")

# ../shared/testdata/ubl/README.md: file -> (number, issue, due, currency, payable in cents, buyer)
INVOICES = {
    "base-example.xml": ("Snippet1", "2017-11-13", "2017-12-01", "EUR", 165625,
                         "BuyerTradingName AS"),
    "Allowance-example.xml": ("Snippet1", "2017-11-13", "2017-12-01", "EUR", 612500,
                              "BuyerTradingName AS"),
    "Vat-category-S.xml": ("Snippet1", "2017-11-13", "2017-12-01", "EUR", 855000,
                           "BuyerTradingName AS"),
    "Norwegian-example-1.xml": ("TOSL108", "2013-06-30", "2013-07-20", "NOK", 80200,
                                "The Buyercompany"),
}  # fmt: skip


@pytest.fixture
def ubl_dir(shared_dir: Path) -> Path:
    return shared_dir / "testdata" / "ubl"


@pytest.fixture
def db(database_url: str, engine: Engine, settings) -> str:
    """A fresh migrated database (`settings` moved the working directory to tmp_path)."""
    return database_url


def import_ubl(db: str, path: Path) -> tuple[int, str, str]:
    done = subprocess.run(
        [str(CREDITFLOW), "import", "ubl", str(path), "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if k != "CREDITFLOW_CONFIG"}, "COLUMNS": "80"},
        cwd=path.parent,
    )
    return done.returncode, done.stdout.strip(), done.stderr


def place(tmp_path: Path, source: Path, name: str | None = None) -> Path:
    """A copy of a shared example in the test's own folder (the rejects file goes beside it)."""
    target = tmp_path / (name or source.name)
    shutil.copyfile(source, target)
    return target


def rejects(path: Path) -> list[dict[str, str]]:
    with path.with_name(path.name + ".rejects.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ledger(engine: Engine) -> list[dict[str, object]]:
    return rows(
        engine,
        "SELECT i.invoice_number, i.issue_date, i.due_date, i.currency, i.amount_minor, "
        "i.open_minor, i.status, i.payment_reference, c.customer_id, c.name "
        "FROM invoice i JOIN customer c ON c.id = i.customer_id ORDER BY i.invoice_number",
    )


@pytest.mark.parametrize("name", sorted(INVOICES))
def test_a_peppol_example_invoice_lands_with_the_readme_figures_and_reimports_unchanged(
    db, engine, tmp_path, ubl_dir, name
):
    number, issue, due, currency, cents, buyer = INVOICES[name]
    path = place(tmp_path, ubl_dir / name)
    assert import_ubl(db, path)[:2] == (0, "imported 1, updated 0, unchanged 0, rejected 0")
    [row] = ledger(engine)
    assert (row["invoice_number"], str(row["issue_date"]), str(row["due_date"])) == (
        number, issue, due
    )  # fmt: skip
    assert (row["currency"], row["amount_minor"], row["open_minor"], row["status"]) == (
        currency, cents, cents, "open"
    )  # fmt: skip
    assert row["name"] == buyer
    before = (ledger(engine), rows(engine, "SELECT * FROM customer ORDER BY id"))
    assert import_ubl(db, path)[:2] == (0, "imported 0, updated 0, unchanged 1, rejected 0")
    assert (ledger(engine), rows(engine, "SELECT * FROM customer ORDER BY id")) == before
    assert not path.with_name(path.name + ".rejects.csv").exists()


def test_the_buyer_becomes_a_customer_with_address_email_and_ids(db, engine, tmp_path, ubl_dir):
    path = place(tmp_path, ubl_dir / "base-example.xml")
    assert import_ubl(db, path)[0] == 0
    [customer] = rows(engine, "SELECT * FROM customer")
    assert (customer["customer_id"], customer["kind"], customer["country"]) == (
        "0002:FR23342", "business", "SE"
    )  # fmt: skip
    assert (customer["address_line1"], customer["postal_code"], customer["city"]) == (
        "Hovedgatan 32", "456 34", "Stockholm"
    )  # fmt: skip
    assert customer["timezone"] == "Europe/Stockholm"
    ids = rows(engine, "SELECT scheme, value FROM customer_identifier ORDER BY scheme")
    assert [(i["scheme"], i["value"]) for i in ids] == [
        ("0002", "FR23342"), ("0183", "39937423947"), ("VAT", "SE4598375937")
    ]  # fmt: skip
    emails = rows(engine, "SELECT address FROM contact_point WHERE channel = 'email'")
    assert [e["address"] for e in emails] == ["lj@buyer.se"]


def test_the_credit_note_example_lowers_the_open_amount_of_its_invoice(
    db, engine, tmp_path, ubl_dir
):
    assert import_ubl(db, place(tmp_path, ubl_dir / "base-example.xml"))[0] == 0
    credit = place(tmp_path, ubl_dir / "base-creditnote-correction.xml")
    assert import_ubl(db, credit)[:2] == (0, "imported 1, updated 0, unchanged 0, rejected 0")
    [row] = ledger(engine)
    assert (row["amount_minor"], row["open_minor"], row["status"]) == (165625, 0, "paid")
    [note] = rows(engine, "SELECT * FROM credit_note")
    assert (note["credit_note_number"], note["amount_minor"], note["applied_minor"]) == (
        "Snippet1", 165625, 165625
    )  # fmt: skip
    assert import_ubl(db, credit)[:2] == (0, "imported 0, updated 0, unchanged 1, rejected 0")
    assert scalar(engine, "SELECT COUNT(*) FROM credit_note") == 1
    # the invoice sent again keeps its credit: still nothing open
    assert import_ubl(db, place(tmp_path, ubl_dir / "base-example.xml", "again.xml"))[0] == 0
    assert scalar(engine, "SELECT open_minor FROM invoice") == 0


def test_a_partial_credit_note_leaves_the_rest_open(db, engine, tmp_path):
    (tmp_path / "inv.xml").write_bytes(ubl_invoice("NL-7"))
    (tmp_path / "cn.xml").write_bytes(
        ubl_invoice(
            "CN-7",
            credit_note=True,
            due=None,
            billing_reference=billing_reference("NL-7"),
            payable='<cbc:PayableAmount currencyID="EUR">250.00</cbc:PayableAmount>',
        )
    )
    assert import_ubl(db, tmp_path / "inv.xml")[0] == 0
    assert import_ubl(db, tmp_path / "cn.xml")[0] == 0
    [row] = ledger(engine)
    assert (row["amount_minor"], row["open_minor"], row["status"]) == (125000, 100000, "open")
    assert row["payment_reference"] == "RF18539007547034"


def test_a_credit_note_before_its_invoice_is_rejected_and_taken_once_the_invoice_is_there(
    db, engine, tmp_path, ubl_dir
):
    credit = place(tmp_path, ubl_dir / "base-creditnote-correction.xml")
    code, summary, _ = import_ubl(db, credit)
    assert (code, summary.split(" (")[0]) == (1, "imported 0, updated 0, unchanged 0, rejected 1")
    [bad] = rejects(credit)
    assert (bad["document"], bad["number"]) == ("CreditNote", "Snippet1")
    assert bad["error"] == (
        "refers to invoice Snippet1, which is not on the ledger; import the invoice first, "
        "then this document again"
    )
    assert scalar(engine, "SELECT COUNT(*) FROM credit_note") == 0
    assert import_ubl(db, place(tmp_path, ubl_dir / "base-example.xml"))[0] == 0
    assert import_ubl(db, credit)[0] == 0
    assert scalar(engine, "SELECT open_minor FROM invoice") == 0


def test_the_negative_invoice_is_a_correction_of_the_invoice_it_refers_to(
    db, engine, tmp_path, ubl_dir
):
    assert import_ubl(db, place(tmp_path, ubl_dir / "base-example.xml"))[0] == 0
    negative = place(tmp_path, ubl_dir / "base-negative-inv-correction.xml")
    assert import_ubl(db, negative)[:2] == (0, "imported 1, updated 0, unchanged 0, rejected 0")
    assert [r["invoice_number"] for r in ledger(engine)] == ["Snippet1"]
    assert scalar(engine, "SELECT open_minor FROM invoice") == 0
    [note] = rows(engine, "SELECT credit_note_number, applied_minor FROM credit_note")
    assert (note["credit_note_number"], note["applied_minor"]) == ("Correction1", 165625)


def test_the_whole_example_folder_takes_what_it_can_and_names_every_reject(
    db, engine, tmp_path, ubl_dir
):
    folder = tmp_path / "ubl"
    shutil.copytree(ubl_dir, folder)
    assert import_ubl(db, folder / "base-example.xml")[0] == 0
    code, summary, _ = import_ubl(db, folder)
    assert code == 1
    assert summary.startswith("imported 3, updated 0, unchanged 1, rejected 3 (rejects in ")
    found = {(r["file"], r["number"]): r["error"] for r in rejects(folder)}
    assert set(found) == {
        ("vat-category-E.xml", "Vat-Z"),
        ("Allowance-example.xml", "Snippet1"),
        ("Vat-category-S.xml", "Snippet1"),
    }
    assert found["vat-category-E.xml", "Vat-Z"].startswith("buyer name missing")
    assert "already on the ledger for 1656.25 EUR" in found["Allowance-example.xml", "Snippet1"]
    assert [r["invoice_number"] for r in ledger(engine)] == ["Snippet1", "TOSL108"]
    # the credit note and the negative invoice both corrected Snippet1: the second found
    # nothing open any more and went to the customer's credit
    assert scalar(engine, "SELECT open_minor FROM invoice WHERE invoice_number = 'Snippet1'") == 0
    assert scalar(engine, "SELECT credit_minor FROM customer WHERE customer_id = "
                          "'0002:FR23342'") == 165625  # fmt: skip
    assert import_ubl(db, folder)[1].startswith("imported 0, updated 0, unchanged 4, rejected 3")


def test_invoices_sharing_a_number_in_one_folder_are_none_of_them_taken(
    db, engine, tmp_path, ubl_dir
):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("base-example.xml", "Allowance-example.xml", "Norwegian-example-1.xml"):
        place(folder, ubl_dir / name)
    code, summary, _ = import_ubl(db, folder)
    assert (code, summary.split(" (")[0]) == (1, "imported 1, updated 0, unchanged 0, rejected 2")
    errors = [r["error"] for r in rejects(folder)]
    assert all("is in 2 documents of this import with different content" in e for e in errors)
    assert [r["invoice_number"] for r in ledger(engine)] == ["TOSL108"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (MALFORMED, "XML is not well-formed"),
        (BILLION_LAUGHS, "XML contains a DOCTYPE declaration; refused"),
        (EXTERNAL_ENTITY, "XML contains a DOCTYPE declaration; refused"),
        (NOT_UBL, "not a UBL 2.1 Invoice or CreditNote"),
    ],
)
def test_bad_xml_is_one_reject_and_the_good_document_beside_it_is_imported(
    db, engine, tmp_path, ubl_dir, data, reason
):
    folder = tmp_path / "in"
    folder.mkdir()
    place(folder, ubl_dir / "base-example.xml")
    (folder / "bad.xml").write_bytes(data)
    code, summary, _ = import_ubl(db, folder)
    assert (code, summary.split(" (")[0]) == (1, "imported 1, updated 0, unchanged 0, rejected 1")
    [bad] = rejects(folder)
    assert bad["file"] == "bad.xml" and reason in bad["error"]
    assert [r["invoice_number"] for r in ledger(engine)] == ["Snippet1"]


def test_a_second_invoice_finds_its_buyer_by_kvk_number(db, engine, tmp_path):
    (tmp_path / "one.xml").write_bytes(ubl_invoice("NL-1"))
    only_kvk = ubl_invoice("NL-2").replace(
        b'<cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>',
        b'<cbc:EndpointID schemeID="9944">NL001234567B01</cbc:EndpointID>',
    )
    (tmp_path / "two.xml").write_bytes(only_kvk)
    assert import_ubl(db, tmp_path / "one.xml")[0] == 0
    assert import_ubl(db, tmp_path / "two.xml")[0] == 0
    owners = {r["customer_id"] for r in ledger(engine)}
    assert owners == {"0106:12345678"}
    kvk = rows(engine, "SELECT value FROM customer_identifier WHERE scheme = '0106'")
    assert [k["value"] for k in kvk] == ["12345678"]


def test_a_missing_file_is_a_usage_error(db, tmp_path):
    assert import_ubl(db, tmp_path / "nothing.xml")[0] == 2


@pytest.mark.parametrize(("config", "due"), [("", "2026-02-04"), ("payment_term_days = 14\n",
                                                                    "2026-01-19")])  # fmt: skip
def test_an_invoice_without_a_due_date_gets_the_organisations_payment_term(
    db, engine, tmp_path, config, due
):
    (tmp_path / "creditflow.toml").write_text(f"[organisation]\n{config}")
    (tmp_path / "no-due.xml").write_bytes(ubl_invoice("NL-9", due=None))
    assert import_ubl(db, tmp_path / "no-due.xml")[0] == 0
    [row] = ledger(engine)
    assert (str(row["issue_date"]), str(row["due_date"])) == ("2026-01-05", due)
