"""One work item of every type for the worklist tests, made the way the areas make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditflow.arrangements.disputes import open_dispute
from creditflow.db import transaction
from creditflow.ledger.models import Customer, Invoice, PromiseToPay
from creditflow.outbox.models import PLAN_REVIEW_STEP, Action
from creditflow.outbox.service import queue_action
from creditflow.payments.models import StatementEntryRecord
from creditflow.staff.models import StaffUser
from tests.support.portal_data import add_customer, add_invoice


@dataclass(frozen=True)
class Items:
    """The item keys made for one customer, by type."""

    customer_pk: int
    keys: dict[str, str]


def user_id(engine: Engine, email: str) -> int:
    """The staff user's id."""
    with transaction(engine) as session:
        return session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()


def _task(session: Session, customer: Customer, key: str, channel: str, step: str,
          now: datetime, invoices: list[Invoice], **extra: object) -> Action:  # fmt: skip
    return queue_action(session, customer, key=key, kind="task", channel=channel, step=step,
                        now=now, invoices=invoices,
                        amount_due_minor=sum(i.open_minor for i in invoices), currency="EUR",
                        **extra)  # type: ignore[arg-type]  # fmt: skip


def every_item(
    session: Session, ref: str, collector: int | None, segment: str, now: datetime, base: int
) -> Items:
    """A customer with a call, reply, review, plan request, dispute, broken promise,
    failed message and hand-over (amounts from `base` cents up)."""
    customer = add_customer(session, ref, email=f"{ref.lower()}@example.nl", phone="+31612345678")
    customer.collector_id = collector
    customer.segment = segment
    invoices = [add_invoice(session, customer, f"{ref}-{n}", base * n, date(2026, 1, 31))
                for n in (1, 2, 3)]  # fmt: skip
    keys = {}
    call = _task(session, customer, f"call-{ref}", "call", "call_step", now - timedelta(days=2),
                 invoices[:1])  # fmt: skip
    keys["call"] = f"call:{call.action_id}"
    reply = _task(session, customer, f"reply-{ref}", "review", "invoice_question", now, [])
    keys["reply"] = f"reply:{reply.action_id}"
    review = _task(session, customer, f"dnc-{ref}", "review", "do_not_contact", now, [])
    keys["review"] = f"review:{review.action_id}"
    plan = _task(session, customer, f"plan-{ref}", "review", PLAN_REVIEW_STEP, now, invoices[1:2],
                 payload={"months": 9})  # fmt: skip
    keys["plan"] = f"plan:{plan.action_id}"
    dispute = open_dispute(session, customer, invoices[2], "amount_wrong", "too much", now=now)
    keys["dispute"] = f"dispute:{dispute.id}"
    promise = PromiseToPay(customer_id=customer.id, promised_date=(now - timedelta(days=3)).date(),
                           amount_minor=base, currency="EUR", status="broken",
                           created_at=now - timedelta(days=10), closed_at=now - timedelta(days=1))  # fmt: skip
    session.add(promise)
    failed = queue_action(session, customer, key=f"mail-{ref}", kind="message", channel="email",
                          step="reminder1", template="reminder1", now=now, invoices=invoices[:1],
                          amount_due_minor=base, currency="EUR")  # fmt: skip
    failed.status, failed.status_reason, failed.updated_at = "failed", "mailbox full", now
    keys["failed"] = f"failed:{failed.action_id}"
    handover = queue_action(session, customer, key=f"agency-{ref}", kind="escalation",
                            channel="agency", step="handover", now=now, invoices=invoices,
                            amount_due_minor=base * 6, currency="EUR")  # fmt: skip
    keys["handover"] = f"handover:{handover.action_id}"
    session.flush()
    keys["promise"] = f"promise:{promise.id}"
    return Items(customer.id, keys)


def unmatched_entry(session: Session, now: datetime, amount_minor: int) -> str:
    """A credit in the unmatched queue, no customer known; its item key."""
    entry = StatementEntryRecord(
        entry_key=f"entry-{amount_minor}", booking_date=now.date() - timedelta(days=4),
        amount_minor=amount_minor, currency="EUR", credit=True, counterparty_name="J. Jansen",
        remittance_text="factuur?", status="unmatched", reason="no reference", suggestions=[],
        imported_at=now,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    return f"unmatched:{entry.id}"
