"""Judging the promises whose grace is over: what each case ends as, in a fixed number of queries.

Kept when nothing of its invoices is open (a disputed invoice does not count as
open), broken when money is open: a promise_broken notice for the open invoices only
(when the customer can be reached) and a promise.broken event; promises still in
their grace days, and promises judged before, are left alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, event, select

from creditflow.arrangements.service import detect_broken_promises, record_promise
from creditflow.db import transaction
from creditflow.ledger.models import Event, PromiseToPay
from creditflow.outbox.models import CONTEXT_INVOICES
from creditflow.portal.policy import PortalPolicy
from tests.support.portal_data import NOW, actions_of, add_customer, add_invoice

AS_OF = date(2026, 3, 10)  # grace 3: promises dated before 2026-03-07 are judged
JUDGED_AT = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)


def promise(
    engine: Engine,
    code: str,
    promised: date,
    invoices: list[tuple[int, str]],
    *,
    amount: Decimal | None = None,
    reachable: bool = True,
) -> tuple[int, int, list[int]]:
    """A customer whose invoices (open minor, status after the promise) were promised.

    Returns (customer pk, promise id, invoice pks).
    """
    with transaction(engine) as session:
        customer = add_customer(
            session, code, email=f"{code}@example.nl" if reachable else None, address=reachable
        )
        made = [
            add_invoice(session, customer, f"INV-{code}-{n}", 10_000, date(2026, 2, 1))
            for n in range(len(invoices))
        ]
        kept = record_promise(
            session, customer, promised, today=NOW.date(), now=NOW, policy=PortalPolicy(),
            amount=amount,
        )  # fmt: skip
        for invoice, (open_minor, status) in zip(made, invoices, strict=True):
            invoice.open_minor, invoice.status = open_minor, status
        return customer.id, kept.id, [i.id for i in made]


def statuses(engine: Engine) -> dict[int, tuple[str, datetime | None]]:
    with transaction(engine) as session:
        return {
            p.id: (p.status, p.closed_at)
            for p in session.scalars(select(PromiseToPay).order_by(PromiseToPay.id))
        }


def broken_events(engine: Engine) -> list[tuple[int, dict]]:
    with transaction(engine) as session:
        return [
            (e.customer_id, e.data)
            for e in session.scalars(
                select(Event).where(Event.kind == "promise.broken").order_by(Event.id)
            )
        ]


def test_each_promise_past_its_grace_ends_kept_or_broken_and_only_broken_ones_are_told(
    engine: Engine,
) -> None:
    half, half_id, (half_paid, half_open) = promise(
        engine, "HALF", date(2026, 3, 6), [(0, "paid"), (4_000, "open")]
    )
    _, paid_id, _ = promise(engine, "PAID", date(2026, 3, 6), [(0, "paid"), (0, "paid")])
    _, grace_id, _ = promise(engine, "GRACE", date(2026, 3, 7), [(10_000, "open")])
    _, dispute_id, _ = promise(engine, "DISPUTE", date(2026, 3, 5), [(10_000, "disputed")])
    part, part_id, _ = promise(
        engine, "PART", date(2026, 3, 2), [(10_000, "open")], amount=Decimal("50.00")
    )
    mute, mute_id, _ = promise(
        engine, "MUTE", date(2026, 3, 6), [(10_000, "open")], reachable=False
    )

    with transaction(engine) as session:
        broken = detect_broken_promises(session, AS_OF, grace_days=3, now=JUDGED_AT)
    assert broken == [half_id, part_id, mute_id]
    assert statuses(engine) == {
        half_id: ("broken", JUDGED_AT),
        paid_id: ("kept", JUDGED_AT),
        grace_id: ("active", None),
        dispute_id: ("kept", JUDGED_AT),
        part_id: ("broken", JUDGED_AT),
        mute_id: ("broken", JUDGED_AT),
    }
    [_, notice] = actions_of(engine, half)
    assert (notice["template"], notice["step"], notice["channel"]) == (
        "promise_broken", "promise_broken", "email",
    )  # fmt: skip
    assert notice["payload"]["invoices"] == ["INV-HALF-1"]  # the open one, not the paid one
    assert notice["payload"][CONTEXT_INVOICES] == [half_open] != [half_paid]
    assert notice["amount_due_minor"] == 4_000
    assert notice["payload"]["promise_date"] == "2026-03-06"
    assert notice["payload"]["promise_amount"] == "40.00"
    [_, part_notice] = actions_of(engine, part)
    assert part_notice["payload"]["promise_amount"] == "50.00"
    assert part_notice["amount_due_minor"] == 10_000
    assert actions_of(engine, mute) == []  # no way to reach them: broken all the same
    assert broken_events(engine) == [
        (half, {"promise_id": half_id}),
        (part, {"promise_id": part_id}),
        (mute, {"promise_id": mute_id}),
    ]

    with transaction(engine) as session:  # judged once: nothing happens a second time
        assert detect_broken_promises(session, AS_OF, grace_days=3, now=JUDGED_AT) == []
    assert len(broken_events(engine)) == 3


def count_statements(engine: Engine, as_of: date) -> int:
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        with transaction(engine) as session:
            detect_broken_promises(session, as_of, grace_days=3, now=JUDGED_AT)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_judging_many_kept_promises_takes_no_more_queries_than_judging_a_few(
    engine: Engine,
) -> None:
    for n in range(2):
        promise(engine, f"A{n}", date(2026, 3, 2), [(0, "paid")])
    few = count_statements(engine, date(2026, 3, 6))
    for n in range(12):
        promise(engine, f"B{n}", date(2026, 3, 3), [(0, "paid"), (0, "paid")])
    many = count_statements(engine, date(2026, 3, 7))
    assert many <= few, (few, many)
