"""The pay page's service: what a customer has open, and starting a payment.

- `load_account`: a customer's open invoices and charges, as the pay page shows them.
- `start_payment`: store a payment request, create it at the provider, keep the
  checkout URL. The provider is called outside any database transaction.
- `pay_page_context`, `status_view`, `epc_block`: the same, formatted for the page.

What happens when the provider reports back is in `payments.webhooks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from creditflow.config import Organisation
from creditflow.ledger.models import Charge, Customer, Invoice
from creditflow.ledger.service import add_event
from creditflow.messages.formatting import single_periods
from creditflow.money import Money
from creditflow.payments.models import PaymentRequest
from creditflow.payments.providers.base import (
    PaymentOrder,
    PaymentProvider,
    ProviderError,
)

__all__ = [
    "Account",
    "OpenCharge",
    "OpenInvoice",
    "PaymentRefused",
    "StartedPayment",
    "epc_block",
    "latest_request",
    "load_account",
    "pay_page_context",
    "start_payment",
    "status_view",
]

REQUEST_VALID_DAYS = 14
REUSE_OPEN_REQUEST = timedelta(minutes=15)


class PaymentRefused(ValueError):
    """A payment cannot be started; the message says which invoice or field and why."""


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice with money still open."""

    pk: int
    invoice_number: str
    issue_date: date
    due_date: date
    open: Money
    status: str
    payment_reference: str
    description: str | None

    @property
    def payable(self) -> bool:
        """Disputed invoices are paused, not offered for payment."""
        return self.status == "open"


@dataclass(frozen=True)
class OpenCharge:
    """Costs or interest still open; a payment settles these first (art. 6:44 BW)."""

    pk: int
    kind: str
    description: str | None
    open: Money
    charged_on: date


@dataclass(frozen=True)
class Account:
    """What one customer has open."""

    customer_pk: int
    invoices: tuple[OpenInvoice, ...]
    charges: tuple[OpenCharge, ...]

    def currencies(self) -> list[str]:
        """Currencies with something open, the oldest invoice's first."""
        seen = [i.open.currency for i in self.invoices] + [c.open.currency for c in self.charges]
        return list(dict.fromkeys(seen))

    def charges_total(self, currency: str) -> Money:
        """Open costs and interest in one currency."""
        total = Money.zero(currency)
        for charge in self.charges:
            if charge.open.currency == currency:
                total = total + charge.open
        return total

    def total(self, currency: str) -> Money:
        """What paying every payable invoice in this currency costs, charges included."""
        total = self.charges_total(currency)
        for invoice in self.invoices:
            if invoice.payable and invoice.open.currency == currency:
                total = total + invoice.open
        return total


@dataclass(frozen=True)
class StartedPayment:
    """A payment request that is waiting at the provider."""

    request_id: int
    checkout_url: str


def load_account(session: Session, customer_pk: int) -> Account:
    """The customer's open invoices (oldest due first) and open charges."""
    invoices = session.scalars(
        select(Invoice)
        .where(
            Invoice.customer_id == customer_pk,
            Invoice.status.in_(("open", "disputed")),
            Invoice.open_minor > 0,
        )
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    charges = session.scalars(
        select(Charge)
        .where(Charge.customer_id == customer_pk, Charge.open_minor > 0)
        .order_by(Charge.charged_on, Charge.id)
    ).all()
    return Account(
        customer_pk,
        tuple(
            OpenInvoice(
                i.id,
                i.invoice_number,
                i.issue_date,
                i.due_date,
                Money.of_minor(i.open_minor, i.currency),
                i.status,
                i.payment_reference,
                i.description,
            )
            for i in invoices
        ),
        tuple(
            OpenCharge(
                c.id, c.kind, c.description, Money.of_minor(c.open_minor, c.currency), c.charged_on
            )
            for c in charges
        ),
    )


def _chosen(account: Account, invoice_pks: list[int] | None) -> tuple[list[OpenInvoice], Money]:
    payable = [i for i in account.invoices if i.payable]
    if invoice_pks is None:
        if not payable:
            raise PaymentRefused("there is nothing open to pay")
        currency = payable[0].open.currency
        chosen = [i for i in payable if i.open.currency == currency]
    else:
        by_pk = {i.pk: i for i in payable}
        unknown = [pk for pk in invoice_pks if pk not in by_pk]
        if unknown:
            raise PaymentRefused(f"invoice: {unknown[0]} is not an open invoice of this customer")
        chosen = [by_pk[pk] for pk in dict.fromkeys(invoice_pks)]
        if not chosen:
            raise PaymentRefused("invoice: choose at least one invoice")
        if len({i.open.currency for i in chosen}) > 1:
            raise PaymentRefused("invoice: choose invoices in one currency")
        currency = chosen[0].open.currency
    amount = account.charges_total(currency)
    for invoice in chosen:
        amount = amount + invoice.open
    return chosen, amount


def start_payment(
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    customer_pk: int,
    invoice_pks: list[int] | None,
    *,
    now: datetime,
    pay_link: str,
    webhook_url: str,
    description: str,
) -> StartedPayment:
    """Start paying the chosen invoices (None: all) plus open charges; returns the checkout."""
    with sessions() as session, session.begin():
        customer = session.get(Customer, customer_pk)
        if customer is None:
            raise PaymentRefused(f"customer: no customer with key {customer_pk}")
        chosen, amount = _chosen(load_account(session, customer_pk), invoice_pks)
        ids = sorted(i.pk for i in chosen)
        recent = session.scalars(
            select(PaymentRequest)
            .where(
                PaymentRequest.customer_id == customer_pk,
                PaymentRequest.provider == provider.name,
                PaymentRequest.status == "open",
                PaymentRequest.checkout_url.is_not(None),
                PaymentRequest.created_at >= now - REUSE_OPEN_REQUEST,
            )
            .order_by(PaymentRequest.id.desc())
        ).first()
        if (
            recent is not None
            and sorted(recent.invoice_ids) == ids
            and recent.amount_minor == amount.minor
            and recent.currency == amount.currency
        ):
            return StartedPayment(recent.id, str(recent.checkout_url))
        request = PaymentRequest(
            provider=provider.name,
            customer_id=customer_pk,
            invoice_ids=ids,
            amount_minor=amount.minor,
            currency=amount.currency,
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        session.flush()
        numbers = ", ".join(i.invoice_number for i in chosen)
        order = PaymentOrder(
            request_id=request.id,
            amount=amount,
            description=f"{description} {numbers}".strip(),
            customer_id=customer.customer_id,
            country=customer.country,
            language=customer.language,
            redirect_url=f"{pay_link}?r={request.id}",
            webhook_url=webhook_url,
            reference=f"creditflow-{request.id}",
            expires_at=now + timedelta(days=REQUEST_VALID_DAYS),
        )
        add_event(
            session,
            customer_pk,
            "payment.started",
            f"payment of {amount} started ({provider.name}) for {numbers}"[:400],
            channel="portal",
            direction="in",
            data={"payment_request": request.id},
        )
    try:
        created = provider.create_payment(order)
    except ProviderError as exc:
        with sessions() as session, session.begin():
            session.execute(
                update(PaymentRequest)
                .where(PaymentRequest.id == order.request_id)
                .values(status="failed", updated_at=now)
            )
            add_event(
                session,
                customer_pk,
                "payment.failed",
                f"payment could not be started at {provider.name}: {exc}"[:400],
                data={"payment_request": order.request_id, "status": "failed"},
            )
        raise
    if not created.checkout_url:
        raise ProviderError(provider.name, f"payment {created.provider_id} has no checkout URL")
    with sessions() as session, session.begin():
        session.execute(
            update(PaymentRequest)
            .where(PaymentRequest.id == order.request_id)
            .values(
                provider_id=created.provider_id, checkout_url=created.checkout_url, updated_at=now
            )
        )
    return StartedPayment(order.request_id, created.checkout_url)


def latest_request(
    session: Session, customer_pk: int, request_id: int | None = None
) -> PaymentRequest | None:
    """The customer's payment request `request_id`, or their newest one."""
    query = select(PaymentRequest).where(PaymentRequest.customer_id == customer_pk)
    if request_id is not None:
        query = query.where(PaymentRequest.id == request_id)
    return session.scalars(query.order_by(PaymentRequest.id.desc())).first()


def _money_text(amount: Money, labels: dict[str, str]) -> str:
    return amount.format(labels["locale"])


def _date_text(day: date, labels: dict[str, str]) -> str:
    return str(format_date(day, "medium", locale=labels["locale"]))


def status_view(request: PaymentRequest, labels: dict[str, str], url: str) -> dict[str, Any]:
    """A payment request as the pay page shows it: state, text, amount, poll URL."""
    return {
        "id": request.id,
        "state": request.status,
        "text": labels.get(f"status_{request.status}", request.status),
        "amount": _money_text(Money.of_minor(request.amount_minor, request.currency), labels),
        "url": url,
    }


def pay_page_context(
    session: Session,
    customer: Customer,
    labels: dict[str, str],
    *,
    request_id: int | None,
    status_url: str,
    creditor: str,
) -> dict[str, Any]:
    """Everything the pay page shows about one customer, formatted in their language."""
    account = load_account(session, customer.id)
    latest = latest_request(session, customer.id, request_id)
    status = None
    if latest is not None:
        status = status_view(latest, labels, f"{status_url}?r={latest.id}")
    totals = [account.total(c) for c in account.currencies()]
    return {
        "account": account,
        "intro": single_periods(labels["intro"].format(creditor=creditor)),
        "intro_settled": single_periods(labels["intro_settled"].format(creditor=creditor)),
        "invoices": [
            {
                "pk": i.pk,
                "number": i.invoice_number,
                "issue_date": _date_text(i.issue_date, labels),
                "due_date": _date_text(i.due_date, labels),
                "open": _money_text(i.open, labels),
                "description": i.description,
                "payable": i.payable,
            }
            for i in account.invoices
        ],
        "charges": [
            {
                "label": labels.get(f"charge_{c.kind}", labels["charge_costs"]),
                "description": c.description,
                "open": _money_text(c.open, labels),
            }
            for c in account.charges
        ],
        "totals": [_money_text(t, labels) for t in totals if t.amount > 0],
        "payable": any(i.payable for i in account.invoices),
        "status": status,
    }


def epc_block(
    organisation: Organisation, account: Account, labels: dict[str, str]
) -> dict[str, Any] | None:
    """The EPC QR for paying everything open in EUR from a banking app (None when impossible).

    It carries the organisation's IBAN and the oldest open invoice's structured reference.
    """
    try:
        from creditflow.payments.epc import epc_payload, epc_qr_svg
    except ImportError:  # the EPC module belongs to another area and may be absent
        return None
    oldest = next((i for i in account.invoices if i.payable and i.open.currency == "EUR"), None)
    amount = account.total("EUR")
    if not organisation.iban or oldest is None or amount.amount <= 0:
        return None

    def payload(reference: str | None, text: str | None) -> str:
        return epc_payload(
            name=organisation.name,
            iban=organisation.iban,
            amount=amount,
            reference=reference,
            text=text,
            bic=organisation.bic or None,
        )

    try:
        qr_payload, reference = payload(oldest.payment_reference, None), oldest.payment_reference
    except ValueError:
        try:
            qr_payload, reference = payload(None, oldest.invoice_number), oldest.invoice_number
        except ValueError:
            return None
    iban = "".join(organisation.iban.split()).upper()
    return {
        "svg": Markup(epc_qr_svg(qr_payload, scale=5)),  # noqa: S704 - generated by segno, no text
        "name": organisation.name,
        "iban": " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
        "amount": _money_text(amount, labels),
        "reference": reference,
    }
