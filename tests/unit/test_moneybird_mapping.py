"""Moneybird JSON <-> creditflow rows: a table of cases per mapping (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from creditflow.config import ConfigError, settings_from
from creditflow.connectors.moneybird.client import retry_after_seconds
from creditflow.connectors.moneybird.mapping import (
    MappingError,
    PaymentOut,
    customer_row,
    invoice_row,
    is_draft,
    payment_body,
)

CONTACT = {"id": "430000000000000001", "company_name": "Bakkerij Jansen BV", "customer_id": "7"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"customer_id": "7", "name": "Bakkerij Jansen BV", "kind": "business"}),
        (
            {"company_name": "", "firstname": "Anna", "lastname": "de Vries"},
            {"name": "Anna de Vries", "kind": "consumer"},
        ),
        ({"customer_id": None}, {"customer_id": "MB430000000000000001"}),
        ({"sepa_iban": "nl91 abna 0417 1643 00"}, {"iban": "NL91ABNA0417164300"}),
        ({"bank_account": "NL91ABNA0417164300"}, {"iban": "NL91ABNA0417164300"}),
        (
            {"sepa_iban": "NL02RABO0123456789", "bank_account": "NL91ABNA0417164300"},
            {"iban": "NL02RABO0123456789"},
        ),
        ({"email": "info@jansen.nl"}, {"email": "info@jansen.nl"}),
        (
            {"email": "info@jansen.nl", "send_invoices_to_email": "boekhouding@jansen.nl"},
            {"email": "boekhouding@jansen.nl"},
        ),
        ({"send_invoices_to_email": "a@jansen.nl, b@jansen.nl"}, {"email": "a@jansen.nl"}),
        ({"phone": "06 12345678", "country": "nl"}, {"phone": "06 12345678", "country": "NL"}),
        (
            {"address1": "Dorpsstraat 1", "zipcode": "1234 AB", "city": "Utrecht"},
            {"address_line1": "Dorpsstraat 1", "postal_code": "1234 AB", "city": "Utrecht"},
        ),
        ({"phone": "  "}, {"phone": None}),
    ],
)
def test_a_contact_becomes_a_customer_row(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    row = customer_row({**CONTACT, **fields})
    for key, value in expected.items():
        assert row[key] == value, key


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"company_name": "", "firstname": None, "lastname": " "}, "company_name", "neither"),
        ({"id": None}, "id", "missing"),
    ],
)
def test_a_contact_without_a_name_or_id_is_refused(
    fields: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(MappingError) as caught:
        customer_row({**CONTACT, **fields})
    assert caught.value.field == field
    assert reason in caught.value.reason


INVOICE = {
    "id": "430000000000000010",
    "contact_id": "430000000000000001",
    "invoice_id": "2026-0001",
    "state": "open",
    "invoice_date": "2026-11-01",
    "due_date": "2026-12-01",
    "currency": "EUR",
    "total_price_incl_tax": "121.0",
    "total_unpaid": "121.0",
    "payment_reference": "RF18 5390 0754 7034",
    "reference": "Order 55",
    "paid_at": None,
}
KNOWN = {"430000000000000001": "7"}


@pytest.mark.parametrize(
    ("state", "unpaid", "paid_at", "status", "open_amount", "paid_date"),
    [
        ("open", "121.0", None, "open", "121.00", None),
        ("pending_payment", "121.0", None, "open", "121.00", None),
        ("reminded", "60.5", None, "open", "60.50", None),
        ("late", "121.0", None, "open", "121.00", None),
        ("scheduled", "121.0", None, "open", "121.00", None),
        ("paid", "0.0", "2026-11-20", "paid", "0.00", "2026-11-20"),
        ("uncollectible", "121.0", None, "written_off", "0", None),
    ],
)
def test_invoice_states_map_to_creditflow_statuses(
    state: str,
    unpaid: str,
    paid_at: str | None,
    status: str,
    open_amount: str,
    paid_date: str | None,
) -> None:
    row = invoice_row(
        {**INVOICE, "state": state, "total_unpaid": unpaid, "paid_at": paid_at}, KNOWN
    )
    assert (row["status"], row["open_amount"], row["paid_date"]) == (status, open_amount, paid_date)


def test_an_invoice_row_carries_amounts_as_decimal_text_with_the_currency() -> None:
    row = invoice_row(INVOICE, KNOWN)
    assert row == {
        "invoice_number": "2026-0001",
        "customer_id": "7",
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "amount": "121.00",
        "currency": "EUR",
        "open_amount": "121.00",
        "status": "open",
        "description": "Order 55",
        "payment_reference": "RF18539007547034",
        "paid_date": None,
    }


def test_an_invoice_of_a_contact_not_yet_synced_uses_the_embedded_contact() -> None:
    row = invoice_row({**INVOICE, "contact": {**CONTACT, "customer_id": "99"}}, {})
    assert row["customer_id"] == "99"


def test_a_yen_invoice_has_no_decimals() -> None:
    row = invoice_row(
        {**INVOICE, "currency": "JPY", "total_price_incl_tax": "5000", "total_unpaid": "5000.0"},
        KNOWN,
    )
    assert (row["amount"], row["open_amount"]) == ("5000", "5000")


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"state": "weird"}, "state", "unknown state"),
        ({"currency": "XXQ"}, "currency", "unknown currency"),
        ({"total_price_incl_tax": "abc"}, "total_price_incl_tax", "not an amount"),
        ({"total_price_incl_tax": "NaN"}, "total_price_incl_tax", "not an amount"),
        ({"total_price_incl_tax": "-10.0"}, "total_price_incl_tax", "negative"),
        ({"total_unpaid": "1.005"}, "total_unpaid", "more decimals"),
        ({"total_unpaid": None}, "total_unpaid", "missing"),
        ({"due_date": "1 december"}, "due_date", "not a date"),
        ({"invoice_date": None}, "invoice_date", "missing"),
        ({"contact_id": "1"}, "contact_id", "unknown contact"),
    ],
)
def test_a_bad_invoice_names_the_field_and_reason(
    fields: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(MappingError) as caught:
        invoice_row({**INVOICE, **fields}, KNOWN)
    assert caught.value.field == field
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("fields", "draft"),
    [({}, False), ({"state": "draft"}, True), ({"invoice_id": None}, True)],
)
def test_drafts_are_not_synced(fields: dict[str, Any], draft: bool) -> None:
    assert is_draft({**INVOICE, **fields}) is draft


def test_a_payment_goes_out_with_the_currencys_decimals_and_our_key() -> None:
    out = PaymentOut("creditflow-allocation-5", Decimal("60.5"), "EUR", date(2026, 11, 20))
    assert payment_body(out, None) == {
        "payment": {
            "payment_date": "2026-11-20",
            "price": "60.50",
            "transaction_identifier": "creditflow-allocation-5",
            "manual_payment_action": "payment_without_proof",
        }
    }
    booked = payment_body(out, "4400")["payment"]
    assert booked["financial_account_id"] == "4400"
    assert "manual_payment_action" not in booked


@pytest.mark.parametrize(
    ("header", "seconds"), [("12", 12.0), ("0", 0.0), (None, 60.0), ("soon", 60.0), ("-3", 0.0)]
)
def test_retry_after_is_read_in_seconds(header: str | None, seconds: float) -> None:
    assert retry_after_seconds(header) == seconds


GOOD = {"administration_id": "123456789", "token_env": "MONEYBIRD_TOKEN"}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({**GOOD, "administration_id": "abc"}, "administration_id"),
        ({**GOOD, "token_env": ""}, "token_env"),
        ({**GOOD, "token_env": "my token"}, "token_env"),
        ({**GOOD, "every_minutes": 0}, "every_minutes"),
        ({**GOOD, "base_url": "moneybird.com"}, "base_url"),
        ({**GOOD, "financial_account_id": "x1"}, "financial_account_id"),
        ({**GOOD, "token": "secret"}, "unknown setting"),
    ],
)
def test_a_wrong_moneybird_setting_is_refused_at_load(
    section: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from({"connectors": {"moneybird": section}}, {})


def test_moneybird_settings_hold_the_tokens_variable_not_the_token() -> None:
    settings = settings_from({"connectors": {"moneybird": GOOD}}, {"MONEYBIRD_TOKEN": "s3cret"})
    mb = settings.moneybird
    assert mb is not None
    assert (mb.administration_id, mb.base_url, mb.every_minutes) == (
        "123456789",
        "https://moneybird.com/api/v2",
        15,
    )
    assert "s3cret" not in repr(settings)
    assert mb.token.reveal({"MONEYBIRD_TOKEN": "s3cret"}) == "s3cret"
    assert settings_from({}, {}).moneybird is None


@pytest.mark.parametrize(
    ("open_amount", "unpushed", "currency", "left"),
    [
        ("121.00", 0, "EUR", "121.00"),
        ("121.00", 2100, "EUR", "100.00"),
        ("100.00", 12100, "EUR", "0.00"),
        ("5000", 1000, "JPY", "4000"),
        ("0", 500, "EUR", "0.00"),
    ],
)
def test_payments_not_yet_in_moneybird_still_lower_what_is_open(
    open_amount: str, unpushed: int, currency: str, left: str
) -> None:
    from creditflow.connectors.moneybird.mapping import less_unpushed

    assert less_unpushed(open_amount, unpushed, currency) == left


@pytest.mark.parametrize(
    ("today", "since", "expected"),
    [
        (date(2026, 12, 5), None, "period:20210101..20271231"),
        (date(2027, 1, 1), None, "period:20220101..20281231"),
        (date(2026, 12, 5), date(2024, 7, 1), "period:20240701..20271231"),
    ],
)
def test_the_invoices_synced_reach_back_five_years_not_only_this_year(
    today: date, since: date | None, expected: str
) -> None:
    from creditflow.connectors.moneybird.mapping import invoice_period

    assert invoice_period(today, since) == expected


def test_invoices_since_must_be_a_date() -> None:
    with pytest.raises(ConfigError, match="invoices_since"):
        settings_from({"connectors": {"moneybird": {**GOOD, "invoices_since": "last year"}}}, {})
    mb = settings_from(
        {"connectors": {"moneybird": {**GOOD, "invoices_since": "2024-07-01"}}}, {}
    ).moneybird
    assert mb is not None and mb.invoices_since == date(2024, 7, 1)
