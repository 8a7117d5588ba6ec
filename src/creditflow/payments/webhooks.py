"""Provider webhooks: believe only the provider, record a paid payment exactly once.

`handle_webhook` fetches the payment from the provider (webhooks carry no trusted
data), then locks the payment request row as the first statement of its transaction,
so duplicate and concurrent deliveries are handled one after the other. A paid payment
is recorded once (payment id `psp:<provider>:<id>`, unique) and allocated costs ->
interest -> principal to the request's invoices; queued actions about invoices that
are now settled are cancelled (reason "paid") and a `payment_thanks` message is
queued. Failed, expired and canceled payments go on the timeline once. Statuses only
move forward, so a late or stale answer ("open" after "paid") changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.ledger.models import Customer, Event, Invoice
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.ledger.service import add_event
from creditflow.money import Money
from creditflow.outbox.models import CONTEXT_INVOICES, Action
from creditflow.outbox.service import customer_reachable, queue_action
from creditflow.payments.models import PaymentRequest
from creditflow.payments.providers.base import (
    TERMINAL_FAILURES,
    PaymentProvider,
    ProviderError,
    ProviderPayment,
    is_progress,
)
from creditflow.payments.service import load_account

__all__ = ["THANKS_CHANNELS", "handle_webhook", "thanks_key"]

THANKS_CHANNELS = ("email", "sms", "whatsapp")


def handle_webhook(
    sessions: sessionmaker[Session], provider: PaymentProvider, provider_id: str, now: datetime
) -> str:
    """Act on a provider's notice about `provider_id`: recorded, updated, unchanged or unknown."""
    try:
        fetched = provider.fetch_payment(provider_id)
    except ProviderError as exc:
        if exc.status_code == 404:
            return "unknown"
        raise
    with sessions() as session, session.begin():
        request = _lock_request(session, provider.name, fetched, now)
        if request is None:
            return "unknown"
        return _apply(session, request, fetched, now)


def _lock_request(
    session: Session, provider: str, fetched: ProviderPayment, now: datetime
) -> PaymentRequest | None:
    """Lock the payment request row first thing in the transaction (serialises duplicates)."""
    locked = session.execute(
        update(PaymentRequest)
        .where(
            PaymentRequest.provider == provider, PaymentRequest.provider_id == fetched.provider_id
        )
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        # The webhook came before the provider id was stored: find it by our own id.
        ours = fetched.metadata.get("payment_request")
        if not isinstance(ours, int):
            return None
        locked = session.execute(
            update(PaymentRequest)
            .where(
                PaymentRequest.id == ours,
                PaymentRequest.provider == provider,
                PaymentRequest.provider_id.is_(None),
            )
            .values(provider_id=fetched.provider_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if locked.rowcount == 0:  # type: ignore[attr-defined]
            return None
    return session.scalars(
        select(PaymentRequest)
        .where(
            PaymentRequest.provider == provider, PaymentRequest.provider_id == fetched.provider_id
        )
        .execution_options(populate_existing=True)
    ).one()


def _apply(
    session: Session, request: PaymentRequest, fetched: ProviderPayment, now: datetime
) -> str:
    if fetched.status == "paid" and request.payment_id is None:
        _record_paid(session, request, fetched, now)
        return "recorded"
    if request.status == "paid" or request.payment_id is not None:
        return "unchanged"
    changed = is_progress(request.status, fetched.status)
    if changed:
        request.status = fetched.status
    logged = False
    if fetched.status in TERMINAL_FAILURES and not _outcome_logged(
        session, request, fetched.status
    ):
        amount = Money.of_minor(request.amount_minor, request.currency)
        add_event(
            session,
            request.customer_id,
            f"payment.{fetched.status}",
            f"payment of {amount} at {request.provider} {fetched.status}",
            direction="in",
            data={
                "payment_request": request.id,
                "status": fetched.status,
                "provider_id": fetched.provider_id,
            },
        )
        logged = True
    return "updated" if changed or logged else "unchanged"


def _outcome_logged(session: Session, request: PaymentRequest, status: str) -> bool:
    events = session.scalars(
        select(Event.data).where(
            Event.customer_id == request.customer_id, Event.kind == f"payment.{status}"
        )
    ).all()
    return any(isinstance(d, dict) and d.get("payment_request") == request.id for d in events)


def _record_paid(
    session: Session, request: PaymentRequest, fetched: ProviderPayment, now: datetime
) -> None:
    amount = fetched.amount or Money.of_minor(request.amount_minor, request.currency)
    paid_at = fetched.paid_at or now
    payment_id = f"psp:{request.provider}:{request.provider_id}"
    conn = session.connection()
    existing = conn.execute(
        text("SELECT id FROM payment WHERE payment_id = :p"), {"p": payment_id}
    ).scalar()
    if existing is None:
        existing = record_payments(
            conn,
            [
                IncomingPayment(
                    payment_id=payment_id,
                    amount=amount,
                    paid_at=paid_at,
                    customer_pk=request.customer_id,
                    invoice_pks=list(request.invoice_ids),
                    reference=f"creditflow-{request.id}",
                    method=fetched.method,
                    source=request.provider,
                )
            ],
            now,
        )[0]
        note_payments_on_handovers(conn, now)
    request.status = "paid"
    request.payment_id = int(existing)
    request.paid_at = paid_at
    request.method = fetched.method or request.method
    request.updated_at = now
    _cancel_paid_actions(session, request.customer_id, now)
    _queue_thanks(session, request, amount, payment_id, now)


def _cancel_paid_actions(session: Session, customer_pk: int, now: datetime) -> int:
    """Cancel the customer's queued actions whose invoices are all settled now."""
    queued = session.scalars(
        select(Action).where(Action.customer_id == customer_pk, Action.status == "queued")
    ).all()
    invoice_ids = {pk for action in queued for pk in action.invoice_ids}
    if not invoice_ids:
        return 0
    open_minor: dict[int, int] = dict(
        (pk, minor)
        for pk, minor in session.execute(
            select(Invoice.id, Invoice.open_minor).where(Invoice.id.in_(invoice_ids))
        ).all()
    )
    cancelled = 0
    for action in queued:
        if action.invoice_ids and all(open_minor.get(pk, 0) == 0 for pk in action.invoice_ids):
            action.status, action.status_reason, action.updated_at = "cancelled", "paid", now
            cancelled += 1
    return cancelled


def thanks_key(payment_id: str) -> str:
    """The record key of the thank-you message for one payment (strategy "payments")."""
    return f"thanks-{payment_id}"


def _queue_thanks(
    session: Session, request: PaymentRequest, paid: Money, payment_id: str, now: datetime
) -> None:
    customer = session.get(Customer, request.customer_id)
    assert customer is not None
    reachable = set() if customer.do_not_contact else customer_reachable(session, customer)
    channels = [c for c in THANKS_CHANNELS if c in reachable]
    if not channels:
        add_event(
            session,
            customer.id,
            "message.skipped",
            "no thank-you message: no reachable email, SMS or WhatsApp",
            data={"template": "payment_thanks", "payment_id": payment_id},
        )
        return
    account = load_account(session, customer.id)
    numbers: dict[int, str] = dict(
        (pk, number)
        for pk, number in session.execute(
            select(Invoice.id, Invoice.invoice_number).where(Invoice.id.in_(request.invoice_ids))
        ).all()
    )
    # Not "about" the paid invoices (no `invoices`): the re-check must not cancel the thanks.
    queue_action(
        session,
        customer,
        key=thanks_key(payment_id),
        kind="message",
        channel=channels[0],
        step="payment_thanks",
        now=now,
        strategy="payments",
        template="payment_thanks",
        amount_due_minor=account.total(paid.currency).minor,
        currency=paid.currency,
        payload={
            "paid_amount": paid.text(),
            "payment_id": payment_id,
            "payment_request": request.id,
            "paid_invoices": [numbers[pk] for pk in request.invoice_ids if pk in numbers],
            CONTEXT_INVOICES: [pk for pk in request.invoice_ids if pk in numbers],
        },
        fallback_channels=channels[1:],
    )
