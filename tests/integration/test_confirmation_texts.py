"""Confirmations queued by the portal and by payments name the invoices they are about.

A promise, a dispute or a payment queues its confirmation outside the collection run,
with no invoices for the pre-send re-check to guard (they are paused or paid on
purpose). The message must still list them: these tests send each confirmation
through the real dispatcher to the sandbox outbox and read the e-mail as the debtor
gets it.
"""

from __future__ import annotations

import email
import email.policy
import time
from dataclasses import replace
from datetime import UTC, date, timedelta

from sqlalchemy import Engine, select

from creditflow.arrangements.disputes import open_dispute
from creditflow.arrangements.service import detect_broken_promises, record_promise
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.dispatch.worker import dispatch_due
from creditflow.ledger.models import Customer, Invoice
from creditflow.outbox.models import Action
from creditflow.portal.policy import PortalPolicy
from tests.integration.test_payments_webhooks import mollie, pay_at_mollie, shop  # noqa: F401 - fixtures
from tests.support.dispatch_ledger import with_organisation
from tests.support.portal_data import NOW, add_customer, add_invoice
from tests.support.texts import artefacts, visible_html_text

TODAY = date(2026, 3, 2)


def _ledger(engine: Engine, language: str) -> None:
    with transaction(engine) as session:
        customer = add_customer(session, "C100", language=language, email="jan@example.nl")
        add_invoice(session, customer, "INV-2026-0101", 25000, date(2026, 1, 31))
        add_invoice(session, customer, "INV-2026-0102", 16250, date(2026, 2, 14))


def _sent_at_once(engine: Engine, template: str, timeout: float = 20.0) -> None:
    """Wait for serve to send the message a web request queued (right after answering)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with transaction(engine) as session:
            status = session.scalars(
                select(Action.status).where(Action.template == template)
            ).first()
        if status == "sent":
            return
        time.sleep(0.05)
    raise AssertionError(f"the {template} message was not sent at once ({status})")


def _sent_email(engine: Engine, settings: Settings, template: str) -> tuple[str, str, str]:
    """Dispatch what is due and read the e-mail of `template`: subject, text, html text."""
    with transaction(engine) as session:
        queued = session.scalars(select(Action.scheduled_at).where(Action.template == template))
        when = max([NOW, *(t.replace(tzinfo=UTC) for t in queued)])
    report = dispatch_due(engine, settings, until=when + timedelta(days=1), now=when)
    with transaction(engine) as session:
        action = session.scalars(select(Action).where(Action.template == template)).one()
        assert action.status == "sent", (action.status, action.status_reason, report.line())
        action_id = action.action_id
    eml = settings.outbox_dir / "email" / f"{action_id}.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    html = visible_html_text(message.get_body(("html",)).get_content())
    return str(message["Subject"]), text, html


def _assert_reads_cleanly(*parts: str) -> None:
    for part in parts:
        assert not artefacts(part), (artefacts(part), part)


def test_a_consumer_who_promises_to_pay_gets_a_confirmation_naming_both_invoices(engine, settings):
    settings = with_organisation(settings)
    _ledger(engine, "nl")
    with transaction(engine) as session:
        customer = session.scalars(select(Customer)).one()
        record_promise(
            session,
            customer,
            TODAY + timedelta(days=7),
            today=TODAY,
            now=NOW,
            policy=PortalPolicy(),
        )

    subject, text, html = _sent_email(engine, settings, "promise_confirmation")

    assert subject == (
        "Bevestiging van uw betaalafspraak voor facturen INV-2026-0101 en INV-2026-0102"
    )
    assert "voor de facturen INV-2026-0101 en INV-2026-0102" in text
    assert "- INV-2026-0101 van 15 januari 2026, vervallen op 31 januari 2026: € 250,00" in text
    assert "INV-2026-0102" in html
    _assert_reads_cleanly(subject, text, html)


def test_a_broken_promise_names_the_invoices_still_open(engine, settings):
    settings = with_organisation(settings)
    _ledger(engine, "en")
    with transaction(engine) as session:
        customer = session.scalars(select(Customer)).one()
        promise = record_promise(
            session,
            customer,
            TODAY + timedelta(days=3),
            today=TODAY,
            now=NOW,
            policy=PortalPolicy(),
        )
        for action in session.scalars(select(Action)):
            action.status = "sent"  # the confirmation went out earlier
        promise.promised_date = TODAY - timedelta(days=10)
        detect_broken_promises(session, TODAY, grace_days=3, now=NOW)

    subject, text, html = _sent_email(engine, settings, "promise_broken")

    assert "invoices INV-2026-0101 and INV-2026-0102" in subject
    assert "for invoices INV-2026-0101 and INV-2026-0102" in text
    _assert_reads_cleanly(subject, text, html)


def test_a_dispute_receipt_names_the_disputed_invoice_only(engine, settings):
    settings = with_organisation(settings)
    _ledger(engine, "nl")
    with transaction(engine) as session:
        customer = session.scalars(select(Customer)).one()
        invoice = session.scalars(
            select(Invoice).where(Invoice.invoice_number == "INV-2026-0102")
        ).one()
        open_dispute(session, customer, invoice, "quality", "De thermostaat werkt niet.", now=NOW)

    subject, text, html = _sent_email(engine, settings, "dispute_received")

    assert subject.startswith("Wij hebben uw bericht over factuur INV-2026-0102 ontvangen")
    assert "klopt met factuur INV-2026-0102 (€ 162,50)" in text
    assert "INV-2026-0101" not in text
    _assert_reads_cleanly(subject, text, html)


def test_confirmations_queued_before_the_invoices_were_named_still_render(engine, settings):
    """A confirmation without invoices (a payment of costs only) reads as a sentence."""
    settings = with_organisation(settings)
    _ledger(engine, "en")
    with transaction(engine) as session:
        customer = session.scalars(select(Customer)).one()
        record_promise(
            session,
            customer,
            TODAY + timedelta(days=7),
            today=TODAY,
            now=NOW,
            policy=PortalPolicy(),
        )
        action = session.scalars(select(Action)).one()
        action.payload = {k: v for k, v in action.payload.items() if k != "context_invoice_ids"}

    subject, text, html = _sent_email(engine, replace(settings), "promise_confirmation")

    assert "your outstanding balance" in text
    _assert_reads_cleanly(subject, text, html)


def test_the_thanks_for_a_payment_at_mollie_names_the_paid_invoices(engine, shop, mollie):  # noqa: F811
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    emulator.set_status(pid, "paid")
    assert emulator.deliver_webhook(pid).status_code == 200
    _sent_at_once(engine, "payment_thanks")

    subject, text, html = _sent_email(engine, shop.settings, "payment_thanks")

    assert (
        "for invoices INV-1001 and INV-1002" in text
        or "voor de facturen INV-1001 en INV-1002" in text
    )
    _assert_reads_cleanly(subject, text, html)
