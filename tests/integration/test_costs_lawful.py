"""Consumer collection costs are charged as the law allows, whatever the strategy says.

Each scenario runs a real ledger day by day: the collection run at 06:00 UTC and the
dispatch through the sandbox channels at 18:00 UTC, on SQLite and PostgreSQL. The
invoice falls due on Monday 5 January 2026; the default strategy decides the 14-day
letter on due+21d (Monday 26 January).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditflow.compliance.fourteen_day import earliest_costs_date
from creditflow.compliance.wik import collection_costs
from creditflow.money import Money
from creditflow.strategy.service import default_strategy_text
from tests.support.compliance_ledger import (
    consumer,
    load_strategy,
    rows,
    run_and_dispatch,
    run_on,
    seed,
)
from tests.support.dispatch_ledger import with_organisation

DUE = date(2026, 1, 5)
LETTER_DECIDED = date(2026, 1, 26)


@pytest.fixture
def posted(settings):
    """Settings with a creditor whose messages can be rendered and sent (sandbox)."""
    return with_organisation(settings)


def invoice(number: str, customer_id: str, amount: str) -> dict[str, str]:
    return {
        "invoice_number": number,
        "customer_id": customer_id,
        "issue_date": "2025-12-22",
        "due_date": DUE.isoformat(),
        "amount": amount,
    }


def walk(engine, settings, start: date, end: date, *, no_dispatch=()) -> None:
    day = start
    while day <= end:
        if day in no_dispatch:
            run_on(engine, settings, day)
        else:
            run_and_dispatch(engine, settings, day)
        day += timedelta(days=1)


def letters(engine):
    return rows(
        engine,
        "SELECT c.customer_id, a.channel, a.status, a.decided_on, a.sent_at, a.amount_due_minor "
        "FROM action a JOIN customer c ON c.id = a.customer_id "
        "WHERE a.template = 'fourteen_day_letter' ORDER BY a.id",
    )


def costs(engine):
    return rows(
        engine,
        "SELECT cu.customer_id, c.amount_minor, c.charged_on FROM charge c "
        "JOIN customer cu ON cu.id = c.customer_id WHERE c.kind = 'collection_costs' "
        "ORDER BY c.id",
    )


def test_a_letter_posted_two_days_after_it_was_decided_counts_its_term_from_the_posting(
    engine, posted, tmp_path
):
    seed(engine, posted, tmp_path, [consumer("C001")], [invoice("INV-1", "C001", "1000.00")])
    posting = LETTER_DECIDED + timedelta(days=2)  # the letter waits in the outbox two days
    lawful = earliest_costs_date(posting, "letter")
    assert lawful == date(2026, 2, 14)  # posted Wed 28/1, delivered Fri 30/1, term to 13/2
    walk(
        engine,
        posted,
        DUE - timedelta(days=5),
        lawful - timedelta(days=1),
        no_dispatch=(LETTER_DECIDED, LETTER_DECIDED + timedelta(days=1)),
    )
    [letter] = letters(engine)
    assert (letter["channel"], letter["status"]) == ("letter", "sent")
    assert str(letter["sent_at"]).startswith(posting.isoformat())
    assert costs(engine) == [], "the term counted from the decision day is not the law's"
    walk(engine, posted, lawful, lawful + timedelta(days=20))
    stated = collection_costs(Money.of_minor(letter["amount_due_minor"], "EUR"))
    [charged] = costs(engine)
    assert (charged["amount_minor"], str(charged["charged_on"])) == (stated.minor, str(lawful))
    assert charged["amount_minor"] == 15000


def test_a_consumer_who_could_not_be_sent_a_letter_is_never_charged_costs(engine, posted, tmp_path):
    unreachable = consumer("C002", email="", address_line1="", postal_code="", city="")
    seed(
        engine,
        posted,
        tmp_path,
        [consumer("C001"), unreachable],
        [invoice("INV-1", "C001", "1000.00"), invoice("INV-2", "C002", "500.00")],
    )
    walk(engine, posted, DUE - timedelta(days=5), date(2026, 3, 10))
    assert [(r["customer_id"], r["channel"]) for r in letters(engine)] == [("C001", "letter")]
    final = rows(
        engine,
        "SELECT a.kind, a.channel FROM action a JOIN customer c ON c.id = a.customer_id "
        "WHERE c.customer_id = 'C002' AND a.step = 'final_notice'",
    )
    assert final == [{"kind": "task", "channel": "call"}]
    assert [(r["customer_id"], r["amount_minor"]) for r in costs(engine)] == [("C001", 15000)]


REVISED = default_strategy_text().replace(
    """      - id: costs
        at: final_notice+15d
        charge: collection_costs""",
    """      - id: last_word
        at: final_notice+5d
        channels: [email]
        template: second_reminder
        tone: firm
      - id: costs
        at: final_notice+15d
        charge: collection_costs""",
)


def test_a_revised_strategy_loaded_midway_charges_nobody_twice_and_resends_nothing(
    engine, posted, tmp_path
):
    assert default_strategy_text() != REVISED
    seed(
        engine,
        posted,
        tmp_path,
        [consumer("C001"), consumer("C002")],
        [invoice("INV-1", "C001", "1000.00"), invoice("INV-2", "C002", "400.00")],
    )
    charged_day = earliest_costs_date(LETTER_DECIDED, "letter")
    walk(engine, posted, DUE - timedelta(days=5), charged_day)
    assert len(costs(engine)) == 2
    load_strategy(engine, REVISED)  # an extra step before costs: every level index shifts
    walk(engine, posted, charged_day + timedelta(days=1), date(2026, 3, 20))
    assert [(r["customer_id"], r["amount_minor"]) for r in costs(engine)] == [
        ("C001", 15000),
        ("C002", 6000),
    ]
    steps = rows(
        engine,
        "SELECT c.customer_id, a.step FROM action a JOIN customer c ON c.id = a.customer_id "
        "WHERE a.status <> 'cancelled' ORDER BY a.id",
    )
    for customer_id in ("C001", "C002"):
        had = [r["step"] for r in steps if r["customer_id"] == customer_id]
        assert len(had) == len(set(had)), f"{customer_id} got a step twice: {had}"
        assert "last_word" not in had  # inserted before where they already were


def test_the_database_refuses_a_second_costs_charge_for_an_invoice(engine, posted, tmp_path):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    seed(engine, posted, tmp_path, [consumer("C001")], [invoice("INV-1", "C001", "1000.00")])
    walk(engine, posted, DUE - timedelta(days=5), date(2026, 2, 12))
    [link] = rows(engine, "SELECT charge_id, invoice_id, kind FROM charge_invoice")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO charge (customer_id, kind, amount_minor, open_minor, currency, "
                "charged_on, created_at) SELECT customer_id, kind, amount_minor, open_minor, "
                "currency, charged_on, created_at FROM charge WHERE id = :charge"
            ),
            {"charge": link["charge_id"]},
        )
        second = conn.execute(text("SELECT MAX(id) FROM charge")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO charge_invoice (charge_id, invoice_id, kind) "
                "VALUES (:charge, :invoice, 'collection_costs')"
            ),
            {"charge": second, "invoice": link["invoice_id"]},
        )
