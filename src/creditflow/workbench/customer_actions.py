"""The customer page's forms: calls, promises, pauses, notes, preferences, sends, hand-over.

Each form posts (with the CSRF field), is checked by permission (`require`) and by
portfolio (`open_customer`), makes its change in one transaction with an audit entry,
and answers `done(...)`. Bad input re-shows the page (400) with the field and reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.disputes import open_dispute
from creditflow.arrangements.rules import DISPUTE_REASONS
from creditflow.arrangements.service import record_promise
from creditflow.compliance.handover import hand_over
from creditflow.compliance.service import set_do_not_contact
from creditflow.ledger.models import ContactPoint, Customer, Invoice
from creditflow.ledger.service import add_event, audit
from creditflow.outbox.clock import local_today
from creditflow.outbox.service import choose_channel, queue_action
from creditflow.staff.access import now_of, page_access, require
from creditflow.staff.models import StaffUser
from creditflow.staff.service import Staff
from creditflow.workbench.customer_render import (
    CALL_OUTCOMES,
    CHANNELS,
    LANGUAGES,
    PHONE_CHANNELS,
    customer_path,
    send_now_templates,
    show_customer,
)
from creditflow.workbench.form_values import Refused, form_amount, form_date
from creditflow.workbench.pages import done
from creditflow.workbench.portfolio import open_customer

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
Field = Annotated[str, Form()]
log = logging.getLogger(__name__)
Change = Callable[[Session, Customer, datetime], str]


def _work(request: Request, customer_pk: int, staff: Staff, change: Change) -> Response:
    """Open the customer (portfolio), make the change in one transaction, answer done()."""
    now = now_of(request)
    try:
        with request.app.state.sessions() as session, session.begin():
            customer = open_customer(session, staff, customer_pk)
            notice = change(session, customer, now)
    except ValueError as exc:  # Refused, PolicyRefusal, a service's ValueError
        return show_customer(request, customer_pk, error=str(exc), status=400)
    return done(customer_path(customer_pk), notice)


def _promise(
    request: Request, session: Session, customer: Customer, now: datetime, when: str, amount: str
) -> str:
    """Record a promise through the arrangements service (queued reminders are cancelled)."""
    promise = record_promise(
        session,
        customer,
        form_date("promise date", when),
        today=local_today(customer, now),
        now=now,
        policy=request.app.state.settings.portal,
        amount=form_amount("promise amount", amount),
        source="staff",
    )
    return f"promise {promise.id} by {promise.promised_date}"


@router.post("/customers/{customer_pk}/calls")
def log_call(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    outcome: Field = "",
    note: Field = "",
    promise_date: Field = "",
    promise_amount: Field = "",
    invoice_id: Field = "",
    dispute_reason: Field = "",
    contact_point_id: Field = "",
) -> Response:
    """Log a call: reached, no answer, a promise, a dispute or a wrong number."""
    if outcome not in CALL_OUTCOMES:
        known = ", ".join(CALL_OUTCOMES)
        return show_customer(
            request, customer_pk, error=f"outcome: choose one of {known}", status=400
        )

    def change(session: Session, customer: Customer, now: datetime) -> str:
        details: dict[str, object] = {"outcome": outcome, "note": note.strip()[:1000]}
        if outcome == "promise":
            details["promise"] = _promise(
                request, session, customer, now, promise_date, promise_amount
            )
        elif outcome == "dispute":
            details["dispute"] = _dispute(session, customer, now, invoice_id, dispute_reason, note)
        elif outcome == "wrong_number":
            details["contact_point"] = _wrong_number(
                session, customer, now, contact_point_id, staff
            )
        summary = f"Call: {CALL_OUTCOMES[outcome].lower()}" + (
            f". {note.strip()}" if note.strip() else ""
        )
        add_event(
            session,
            customer.id,
            "call.logged",
            summary,
            channel="voice",
            direction="out",
            data={**details, "by": staff.actor},
        ).occurred_at = now
        audit(session, staff.actor, "log_call", "customer", customer.customer_id, details)
        return "The call is logged."

    return _work(request, customer_pk, staff, change)


def _dispute(
    session: Session, customer: Customer, now: datetime, invoice_id: str, reason: str, note: str
) -> int:
    if reason not in DISPUTE_REASONS:
        raise Refused(f"dispute reason: choose one of {', '.join(DISPUTE_REASONS)}")
    invoice = session.get(Invoice, int(invoice_id)) if invoice_id.isdigit() else None
    if invoice is None or invoice.customer_id != customer.id:
        raise Refused("invoice: choose one of this customer's invoices")
    return open_dispute(
        session, customer, invoice, reason, note.strip(), now=now, source="staff"
    ).id


def _wrong_number(
    session: Session, customer: Customer, now: datetime, point_id: str, staff: Staff
) -> str:
    point = session.get(ContactPoint, int(point_id)) if point_id.isdigit() else None
    if point is None or point.customer_id != customer.id or point.channel not in PHONE_CHANNELS:
        raise Refused("phone number: choose one of this customer's phone numbers")
    point.valid = False
    point.invalid_reason = f"wrong number (call logged by {staff.actor})"[:200]
    point.updated_at = now
    add_event(
        session,
        customer.id,
        "contact.invalid",
        f"{point.channel} address {point.address} marked invalid: wrong number",
        channel=point.channel,
        data={"channel": point.channel, "address": point.address, "reason": "wrong number"},
    ).occurred_at = now
    return f"{point.channel} {point.address}"


@router.post("/customers/{customer_pk}/promise")
def promise(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    promise_date: Field = "",
    promise_amount: Field = "",
) -> Response:
    """Record a promise to pay by a date (and amount); queued reminders are cancelled."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        made = _promise(request, session, customer, now, promise_date, promise_amount)
        audit(session, staff.actor, "record_promise", "customer", customer.customer_id,
              {"promise": made})  # fmt: skip
        return "The promise is recorded."

    return _work(request, customer_pk, staff, change)


@router.post("/customers/{customer_pk}/pause")
def pause(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    paused_until: Field = "",
) -> Response:
    """Pause the customer's dunning until a date (inclusive); an empty date ends the pause."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        until = form_date("pause until", paused_until) if paused_until.strip() else None
        if until is not None and until < local_today(customer, now):
            raise Refused(f"pause until: {until} is in the past")
        previous = customer.paused_until
        customer.paused_until = until
        summary = f"Dunning paused until {until}" if until else "Dunning pause ended"
        add_event(session, customer.id, "customer.paused", summary,
                  data={"until": str(until) if until else None, "by": staff.actor}).occurred_at = now  # fmt: skip
        audit(session, staff.actor, "pause_dunning", "customer", customer.customer_id,
              {"until": str(until) if until else None,
               "previous": str(previous) if previous else None})  # fmt: skip
        return "Dunning is paused." if until else "The pause has ended."

    return _work(request, customer_pk, staff, change)


@router.post("/customers/{customer_pk}/notes")
def note(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    text: Field = "",
) -> Response:
    """Add a note to the customer's timeline."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        if not text.strip():
            raise Refused("note: write something")
        event = add_event(session, customer.id, "note.added", text.strip()[:400],
                          data={"by": staff.actor})  # fmt: skip
        event.occurred_at = now
        session.flush()
        audit(session, staff.actor, "add_note", "customer", customer.customer_id,
              {"event_id": event.id})  # fmt: skip
        return "The note is added."

    return _work(request, customer_pk, staff, change)


@router.post("/customers/{customer_pk}/preferences")
def preferences(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    preferred_channel: Field = "",
    language: Field = "",
) -> Response:
    """Change the preferred channel (empty: none) and the language."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        if preferred_channel and preferred_channel not in CHANNELS:
            raise Refused(f"preferred channel: choose one of {', '.join(CHANNELS)}")
        if language not in LANGUAGES:
            raise Refused(f"language: choose one of {', '.join(LANGUAGES)}")
        before = {"preferred_channel": customer.preferred_channel, "language": customer.language}
        customer.preferred_channel = preferred_channel or None
        customer.language = language
        after = {"preferred_channel": customer.preferred_channel, "language": customer.language}
        add_event(session, customer.id, "preferences.changed",
                  f"Preferences changed by staff: channel {after['preferred_channel'] or '-'}, "
                  f"language {language}", data={"before": before, "after": after}).occurred_at = now  # fmt: skip
        audit(session, staff.actor, "change_preferences", "customer", customer.customer_id,
              {"before": before, "after": after})  # fmt: skip
        return "The preferences are saved."

    return _work(request, customer_pk, staff, change)


@router.post("/customers/{customer_pk}/send")
def send_now(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    template: Field = "",
    channel: Field = "",
) -> Response:
    """Queue a reminder template now and send it at once (the dispatch path: re-check, record)."""
    queued: list[int] = []

    def change(session: Session, customer: Customer, now: datetime) -> str:
        if template not in send_now_templates(request):
            raise Refused(f"template: choose one of {', '.join(send_now_templates(request))}")
        if customer.do_not_contact:
            raise Refused(f"send now: the customer is not contacted ({customer.do_not_contact})")
        chosen = choose_channel(session, customer, channel or None)
        if chosen is None or (channel and chosen != channel):
            raise Refused(f"channel: {channel or 'no channel'} does not reach this customer")
        invoices = list(session.scalars(
            select(Invoice).where(Invoice.customer_id == customer.id, Invoice.open_minor > 0,
                                  Invoice.status == "open").order_by(Invoice.due_date)))  # fmt: skip
        if not invoices:
            raise Refused("template: nothing is open to remind of")
        currency = invoices[0].currency
        invoices = [i for i in invoices if i.currency == currency]
        action = queue_action(
            session, customer, key=("staff", customer.customer_id, template, now.isoformat()),
            kind="message", channel=chosen, step="staff_send", template=template, now=now,
            strategy="staff", invoices=invoices, currency=currency,
            amount_due_minor=sum(i.open_minor for i in invoices),
            payload={"sent_by": staff.actor},
        )  # fmt: skip
        queued.append(action.id)
        audit(session, staff.actor, "send_now", "customer", customer.customer_id,
              {"action_id": action.action_id, "template": template, "channel": chosen})  # fmt: skip
        return "The message is queued to go out now."

    response = _work(request, customer_pk, staff, change)
    if queued:
        from creditflow.dispatch.send_now import dispatch_actions

        try:
            dispatch_actions(request.app.state.engine, request.app.state.settings, queued)
        except Exception:  # noqa: BLE001 - the action stays queued; the worker sends it
            log.exception("sending %s at once failed; it stays queued", queued)
    return response


@router.post("/customers/{customer_pk}/handover")
def handover(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("decide"))],
    target: Field = "",
) -> Response:
    """Hand the open invoices to a collection agency (the dossier goes out with the worker)."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        if not target.strip():
            raise Refused("agency: name the collection agency")
        hand_over(session, request.app.state.settings, customer.id, target.strip(), now,
                  actor=staff.actor)  # fmt: skip
        return "The customer is handed over."

    return _work(request, customer_pk, staff, change)


@router.post("/customers/{customer_pk}/do-not-contact")
def do_not_contact(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("decide"))],
    state: Field = "",
    note: Field = "",
) -> Response:
    """Set a do-not-contact state (queued contact is cancelled) or clear it (empty state)."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        set_do_not_contact(session, customer.id, state or None, note.strip() or None,
                           staff.actor, now=now)  # fmt: skip
        return "Do-not-contact is saved."

    return _work(request, customer_pk, staff, change)


@router.post("/customers/{customer_pk}/collector")
def assign_collector(
    request: Request,
    customer_pk: int,
    staff: Annotated[Staff, Depends(require("decide"))],
    collector_id: Field = "",
) -> Response:
    """Assign the customer to a collector's portfolio (empty: nobody's)."""

    def change(session: Session, customer: Customer, now: datetime) -> str:
        collector = None
        if collector_id:
            collector = (
                session.get(StaffUser, int(collector_id)) if collector_id.isdigit() else None
            )
            if collector is None or collector.role != "collector" or not collector.active:
                raise Refused("collector: choose an active collector")
        previous = customer.collector_id
        customer.collector_id = collector.id if collector else None
        add_event(session, customer.id, "customer.assigned",
                  f"Assigned to {collector.email if collector else 'nobody'}",
                  data={"by": staff.actor}).occurred_at = now  # fmt: skip
        audit(session, staff.actor, "assign_collector", "customer", customer.customer_id,
              {"collector": collector.email if collector else None, "previous_id": previous})  # fmt: skip
        return "The collector is assigned."

    return _work(request, customer_pk, staff, change)
