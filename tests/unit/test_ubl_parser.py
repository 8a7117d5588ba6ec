"""Reading UBL e-invoices: the Peppol examples' figures, the due-date sources, the buyer's
ids and the customer id rule, and every kind of document that must be refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from creditflow.ledger.ubl import Buyer, UblError, parse_ubl
from creditflow.ledger.ubl_import import document_problem
from tests.support.ubl import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    MALFORMED,
    NOT_UBL,
    billing_reference,
    ubl_invoice,
)

UBL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "ubl"

# The table of ../shared/testdata/ubl/README.md
README = [
    ("base-example.xml", "invoice", "Snippet1", "2017-11-13", "2017-12-01", "EUR", "1656.25",
     "BuyerTradingName AS"),
    ("base-creditnote-correction.xml", "credit_note", "Snippet1", "2017-11-13", None, "EUR",
     "1656.25", "BuyerTradingName AS"),
    ("base-negative-inv-correction.xml", "invoice", "Correction1", "2017-11-13", "2017-12-01",
     "EUR", "-1656.25", "BuyerTradingName AS"),
    ("Allowance-example.xml", "invoice", "Snippet1", "2017-11-13", "2017-12-01", "EUR",
     "6125.00", "BuyerTradingName AS"),
    ("Vat-category-S.xml", "invoice", "Snippet1", "2017-11-13", "2017-12-01", "EUR", "8550",
     "BuyerTradingName AS"),
    ("vat-category-E.xml", "invoice", "Vat-Z", "2018-08-30", None, "GBP", "1200.00", None),
    ("Norwegian-example-1.xml", "invoice", "TOSL108", "2013-06-30", "2013-07-20", "NOK",
     "802.00", "The Buyercompany"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kind", "number", "issue", "due", "currency", "payable",
                          "buyer"), README)  # fmt: skip
def test_the_peppol_examples_read_as_their_readme_says(
    name, kind, number, issue, due, currency, payable, buyer
):
    if not UBL_DIR.is_dir():
        pytest.skip("../shared/testdata/ubl is not present beside the project")
    doc = parse_ubl((UBL_DIR / name).read_bytes())
    assert (doc.kind, doc.number, doc.issue_date.isoformat()) == (kind, number, issue)
    assert (doc.due_date.isoformat() if doc.due_date else None) == due
    assert (doc.currency, doc.payable, doc.buyer.name) == (currency, Decimal(payable), buyer)


def test_a_credit_note_names_the_invoice_it_corrects():
    if not UBL_DIR.is_dir():
        pytest.skip("../shared/testdata/ubl is not present beside the project")
    doc = parse_ubl((UBL_DIR / "base-creditnote-correction.xml").read_bytes())
    assert (doc.billing_reference, doc.is_correction, doc.payment_id) == ("Snippet1", True,
                                                                         "Snippet1")  # fmt: skip


PAYMENT_DUE = "<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"


@pytest.mark.parametrize(
    ("due", "payment_means", "expected"),
    [
        ("<cbc:DueDate>2026-02-04</cbc:DueDate>", "", date(2026, 2, 4)),
        (None, f"<cac:PaymentMeans>{PAYMENT_DUE}<cbc:PaymentDueDate>2026-03-01"
               "</cbc:PaymentDueDate></cac:PaymentMeans>", date(2026, 3, 1)),
        (None, "<cac:PaymentTerms><cbc:PaymentDueDate>2026-03-15</cbc:PaymentDueDate>"
               "</cac:PaymentTerms>", date(2026, 3, 15)),
        (None, "", None),
    ],
)  # fmt: skip
def test_the_due_date_comes_from_due_date_or_the_payment_means_or_terms(
    due, payment_means, expected
):
    doc = parse_ubl(ubl_invoice(due=due, payment_means=payment_means))
    assert doc.due_date == expected


def test_an_nlcius_buyer_gives_name_address_email_vat_and_kvk():
    buyer = parse_ubl(ubl_invoice()).buyer
    assert (buyer.name, buyer.address_line1, buyer.postal_code, buyer.city, buyer.country) == (
        "Bakkerij Smit B.V.", "Dorpsstraat 1", "3511 AB", "Utrecht", "NL"
    )  # fmt: skip
    assert (buyer.email, buyer.vat, buyer.kvk) == (
        "administratie@bakkerijsmit.nl", "NL001234567B01", "12345678"
    )  # fmt: skip
    assert buyer.identifiers() == [("0106", "12345678"), ("VAT", "NL001234567B01")]


def buyer(**given: str | None) -> Buyer:
    fields = dict.fromkeys(Buyer.__dataclass_fields__)
    fields.update(given)
    return Buyer(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "customer_id"),
    [
        ({"party_id": "C001", "endpoint_id": "123", "endpoint_scheme": "0106"}, "C001"),
        ({"party_id": "FR23342", "party_id_scheme": "0002"}, "0002:FR23342"),
        ({"endpoint_id": "12345678", "endpoint_scheme": "0106", "vat": "NL1B01"},
         "0106:12345678"),
        ({"vat": "NL001234567B01"}, "NL001234567B01"),
        ({"legal_id": "12345678", "legal_scheme": "0106"}, None),
    ],
)  # fmt: skip
def test_the_customer_id_is_party_id_else_endpoint_else_vat(given, customer_id):
    assert buyer(**given).customer_id() == customer_id


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (MALFORMED, "XML is not well-formed"),
        (BILLION_LAUGHS, "DOCTYPE declaration; refused"),
        (EXTERNAL_ENTITY, "DOCTYPE declaration; refused"),
        (NOT_UBL, "not a UBL 2.1 Invoice or CreditNote (root element Document in urn:iso"),
        (b"<Invoice><ID>1</ID></Invoice>", "not a UBL 2.1 Invoice or CreditNote (root element "
         "Invoice, no namespace)"),
        (ubl_invoice(issue="2026-02-30"), "IssueDate: '2026-02-30' is not a date"),
        (ubl_invoice(payable="<cbc:PayableAmount>12,50</cbc:PayableAmount>"),
         "PayableAmount: '12,50' is not an amount"),
        (ubl_invoice(payable='<cbc:PayableAmount currencyID="USD">1</cbc:PayableAmount>'),
         "PayableAmount: in USD, the document currency is EUR"),
        (ubl_invoice(payable=""), "no payable amount"),
        (ubl_invoice(buyer=""), "no buyer"),
        (ubl_invoice(number=""), "cbc:ID is missing"),
    ],
)  # fmt: skip
def test_a_document_that_cannot_be_read_says_why(data, reason):
    with pytest.raises(UblError) as caught:
        parse_ubl(data)
    assert reason in caught.value.reason


def test_a_malformed_document_names_its_line():
    with pytest.raises(UblError) as caught:
        parse_ubl(MALFORMED)
    assert caught.value.line is not None and caught.value.line >= 3


NO_NAME = ubl_invoice().replace(b"<cac:PartyName><cbc:Name>Bakkerij Smit B.V.</cbc:Name>"
                                b"</cac:PartyName>", b"")  # fmt: skip


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (ubl_invoice(), None),
        (NO_NAME, "buyer name missing"),
        (ubl_invoice(currency="XXY", payable="<cbc:PayableAmount>1</cbc:PayableAmount>"),
         "currency:"),
        (ubl_invoice(payable="<cbc:PayableAmount>1.005</cbc:PayableAmount>"),
         "has more decimals than EUR"),
        (ubl_invoice(payable="<cbc:PayableAmount>100000000000.01</cbc:PayableAmount>"),
         "is too large"),
        (ubl_invoice(credit_note=True), "credit note without cac:BillingReference"),
        (ubl_invoice(payable="<cbc:PayableAmount>-10.00</cbc:PayableAmount>"),
         "invoice with a negative total without cac:BillingReference"),
        (ubl_invoice(credit_note=True, billing_reference=billing_reference("A"),
                     payable="<cbc:PayableAmount>-10.00</cbc:PayableAmount>"),
         "a credit note with a negative total"),
        (ubl_invoice(credit_note=True, billing_reference=billing_reference("A"),
                     payable="<cbc:PayableAmount>0.00</cbc:PayableAmount>"), "nothing to credit"),
        (ubl_invoice(credit_note=True, billing_reference=billing_reference("A")), None),
        (ubl_invoice(due="<cbc:DueDate>2025-12-31</cbc:DueDate>"), "DueDate: before IssueDate"),
        (ubl_invoice(number="N" * 65), "longer than 64 characters"),
    ],
)  # fmt: skip
def test_a_document_that_cannot_go_on_the_ledger_says_why(data, problem):
    found = document_problem(parse_ubl(data))
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
