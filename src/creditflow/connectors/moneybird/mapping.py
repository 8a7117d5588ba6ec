"""Moneybird JSON <-> creditflow rows, as pure functions (no database, no network).

A contact becomes a customer row and a sales invoice an invoice row, both as the text
columns the ledger's importers take (`ledger.imports.upsert_customers`,
`upsert_invoices`), so the same checks and reject reasons apply. Amounts stay Decimal
text with the currency's exact decimals. What cannot be mapped raises `MappingError`
naming the Moneybird field and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from creditflow.money import check_currency, minor_digits, round_amount

__all__ = [
    "INVOICE_STATES",
    "MappingError",
    "PaymentOut",
    "customer_id_of",
    "customer_row",
    "invoice_period",
    "invoice_row",
    "is_draft",
    "less_unpushed",
    "payment_body",
]

# Moneybird's sales invoice states -> creditflow's invoice status. A draft is not an
# invoice yet (no number, not sent) and is skipped.
INVOICE_STATES = {
    "open": "open",
    "scheduled": "open",
    "pending_payment": "open",
    "reminded": "open",
    "late": "open",
    "paid": "paid",
    "uncollectible": "written_off",
}


class MappingError(ValueError):
    """A Moneybird record that cannot become a creditflow row: names the field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _iban(contact: dict[str, Any]) -> str | None:
    """The contact's IBAN: the SEPA mandate's account first, else the bank account."""
    for key in ("sepa_iban", "bank_account"):
        value = _text(contact, key)
        if value:
            return value.replace(" ", "").upper()
    return None


def _name(contact: dict[str, Any]) -> str | None:
    company = _text(contact, "company_name")
    if company:
        return company
    person = " ".join(p for p in (_text(contact, "firstname"), _text(contact, "lastname")) if p)
    return person or None


def customer_id_of(contact: dict[str, Any]) -> str:
    """creditflow's customer_id of a contact: Moneybird's customer number, else 'MB' + id."""
    return _text(contact, "customer_id") or f"MB{contact['id']}"


def customer_row(contact: dict[str, Any]) -> dict[str, str | None]:
    """A customer row (importer columns) of a Moneybird contact."""
    if not _text(contact, "id"):
        raise MappingError("id", "missing")
    name = _name(contact)
    if name is None:
        raise MappingError("company_name", "neither a company name nor a person's name")
    email = _text(contact, "send_invoices_to_email") or _text(contact, "email")
    if email and "," in email:
        email = email.split(",")[0].strip()  # several addresses: the first is the debtor's
    country = _text(contact, "country")
    return {
        "customer_id": customer_id_of(contact),
        "name": name,
        "kind": "business" if _text(contact, "company_name") else "consumer",
        "country": country.upper() if country else None,
        "email": email,
        "phone": _text(contact, "phone"),
        "address_line1": _text(contact, "address1"),
        "address_line2": _text(contact, "address2"),
        "postal_code": _text(contact, "zipcode"),
        "city": _text(contact, "city"),
        "iban": _iban(contact),
    }


def is_draft(invoice: dict[str, Any]) -> bool:
    """A draft sales invoice (not sent, no number) is not synced."""
    return invoice.get("state") == "draft" or not _text(invoice, "invoice_id")


def _amount(invoice: dict[str, Any], key: str, currency: str) -> str:
    """An amount field as Decimal text with the currency's exact decimals."""
    value = _text(invoice, key)
    if value is None:
        raise MappingError(key, "missing")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise MappingError(key, f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise MappingError(key, f"not an amount: {value!r}")
    if amount < 0:
        raise MappingError(key, f"negative ({value}); credit invoices are not synced")
    if round_amount(amount, currency) != amount:
        raise MappingError(key, f"{value} has more decimals than {currency} allows")
    return f"{amount:.{minor_digits(currency)}f}"


def _day(invoice: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = _text(invoice, key)
    if value is None:
        if required:
            raise MappingError(key, "missing")
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise MappingError(key, f"not a date: {value!r}") from None


def invoice_row(invoice: dict[str, Any], customer_ids: dict[str, str]) -> dict[str, str | None]:
    """An invoice row (importer columns) of a sent Moneybird sales invoice.

    `customer_ids` maps Moneybird contact ids to creditflow customer_ids; the invoice's
    embedded contact is used when its id is not there.
    """
    state = _text(invoice, "state") or ""
    if state not in INVOICE_STATES:
        raise MappingError("state", f"unknown state {state!r}")
    try:
        currency = check_currency(_text(invoice, "currency") or "")
    except ValueError as exc:
        raise MappingError("currency", str(exc)) from None
    contact_id = _text(invoice, "contact_id")
    contact = invoice.get("contact") if isinstance(invoice.get("contact"), dict) else None
    customer_id = customer_ids.get(contact_id or "")
    if customer_id is None and contact and _text(contact, "id"):
        customer_id = customer_id_of(contact)
    if customer_id is None:
        raise MappingError("contact_id", f"unknown contact {contact_id!r}")
    status = INVOICE_STATES[state]
    paid = _day(invoice, "paid_at", required=False)
    reference = _text(invoice, "payment_reference")
    return {
        "invoice_number": _text(invoice, "invoice_id"),
        "customer_id": customer_id,
        "issue_date": _day(invoice, "invoice_date"),
        "due_date": _day(invoice, "due_date"),
        "amount": _amount(invoice, "total_price_incl_tax", currency),
        "currency": currency,
        "open_amount": "0"
        if status == "written_off"
        else _amount(invoice, "total_unpaid", currency),
        "status": status,
        "description": _text(invoice, "reference"),
        "payment_reference": reference.replace(" ", "").upper() if reference else None,
        "paid_date": paid if status == "paid" else None,
    }


def less_unpushed(open_amount: str, unpushed_minor: int, currency: str) -> str:
    """Moneybird's open amount less the payments creditflow has not registered there yet."""
    digits = minor_digits(currency)
    left = max(Decimal(open_amount) - Decimal(unpushed_minor).scaleb(-digits), Decimal(0))
    return f"{left:.{digits}f}"


def invoice_period(today: date, since: date | None, years_back: int = 5) -> str:
    """The `filter` of the invoices synced: invoice dates from `since` (default: January
    1st `years_back` years ago) to a year ahead. Moneybird's default is this year only,
    which would miss last year's unpaid invoices."""
    start = since or date(today.year - years_back, 1, 1)
    end = date(today.year + 1, 12, 31)
    return f"period:{start:%Y%m%d}..{end:%Y%m%d}"


@dataclass(frozen=True)
class PaymentOut:
    """A payment creditflow recorded on a Moneybird invoice, to be registered there."""

    key: str  # our idempotency key, sent as the payment's transaction identifier
    amount: Decimal
    currency: str
    paid_on: date


def payment_body(payment: PaymentOut, financial_account_id: str | None) -> dict[str, Any]:
    """The JSON of `POST sales_invoices/{id}/payments` for one payment."""
    body: dict[str, Any] = {
        "payment_date": payment.paid_on.isoformat(),
        "price": f"{payment.amount:.{minor_digits(payment.currency)}f}",
        "transaction_identifier": payment.key,
    }
    if financial_account_id:
        body["financial_account_id"] = financial_account_id
    else:
        body["manual_payment_action"] = "payment_without_proof"
    return {"payment": body}
