"""A promise not kept is noticed by the next run: broken, and a promise_broken message."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from creditflow.arrangements.service import detect_broken_promises, record_promise
from creditflow.db import transaction
from creditflow.ledger.models import PromiseToPay
from creditflow.portal.policy import PortalPolicy
from tests.support.portal_data import NOW, actions_of, add_customer, add_invoice


def _promise(engine, customer_id: str, paid: bool) -> int:
    with transaction(engine) as session:
        customer = add_customer(session, customer_id, email=f"{customer_id}@example.nl")
        invoice = add_invoice(session, customer, f"INV-{customer_id}", 9_900, date(2026, 2, 1))
        record_promise(
            session, customer, date(2026, 3, 6), today=NOW.date(), now=NOW, policy=PortalPolicy()
        )
        if paid:
            invoice.open_minor, invoice.status = 0, "paid"
        return customer.id


def test_a_promise_past_its_grace_with_money_open_is_broken(engine):
    broken_pk = _promise(engine, "P1", paid=False)
    kept_pk = _promise(engine, "P2", paid=True)
    with transaction(engine) as session:
        assert detect_broken_promises(session, date(2026, 3, 9), grace_days=3) == []
    with transaction(engine) as session:
        assert len(detect_broken_promises(session, date(2026, 3, 10), grace_days=3)) == 1
    with transaction(engine) as session:
        statuses = dict(
            session.execute(select(PromiseToPay.customer_id, PromiseToPay.status)).all()
        )
        assert statuses == {broken_pk: "broken", kept_pk: "kept"}
        assert detect_broken_promises(session, date(2026, 3, 11)) == []  # nothing twice
    steps = [a["template"] for a in actions_of(engine, broken_pk)]
    assert steps == ["promise_confirmation", "promise_broken"]
    assert [a["template"] for a in actions_of(engine, kept_pk)] == ["promise_confirmation"]
