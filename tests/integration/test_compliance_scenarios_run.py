"""Legal scenarios of the collection run on a real database seeded through the importers.

Dates: the invoice falls due on Monday 5 January 2026. The default strategy sends the
14-day letter on due+21d (Monday 26 January); by post it is taken to be delivered two
working days later (Wednesday 28 January); the term runs from the next day for 14 days
and ends on Wednesday 11 February; costs may be charged from Thursday 12 February.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from creditflow.compliance.consent import handle_inbound_text
from creditflow.compliance.fourteen_day import assumed_delivery_date, costs_chargeable_from
from creditflow.compliance.wik import collection_costs
from creditflow.db import transaction
from creditflow.money import Money
from creditflow.strategy.schema import StrategyError
from creditflow.strategy.service import activate_strategy, active_strategy
from tests.support.compliance_ledger import (
    consumer,
    customer_pk,
    load_strategy,
    pay,
    rows,
    run_and_dispatch,
    run_on,
    seed,
)
from tests.support.dispatch_ledger import with_organisation

DUE = date(2026, 1, 5)
LETTER_DAY = date(2026, 1, 26)
DELIVERED = date(2026, 1, 28)
TERM_ENDS = date(2026, 2, 11)
PRINCIPAL = "1000.00"


@pytest.fixture
def letter_sent(engine, settings, tmp_path):
    """A consumer owing EUR 1,000 who was sent the 14-day letter by post on 26 January."""
    seed(
        engine,
        settings,
        tmp_path,
        [consumer("C001")],
        [
            {
                "invoice_number": "INV-1",
                "customer_id": "C001",
                "issue_date": "2025-12-22",
                "due_date": DUE.isoformat(),
                "amount": PRINCIPAL,
            }
        ],
    )
    sending = with_organisation(settings)
    day = DUE - timedelta(days=5)
    while day < LETTER_DAY:  # run and dispatch every day, as in production
        run_and_dispatch(engine, sending, day)
        day += timedelta(days=1)
    result = run_and_dispatch(engine, sending, LETTER_DAY)
    [letter] = result.actions.to_dicts()
    assert (letter["step"], letter["legal"], letter["channel"]) == (
        "final_notice",
        "wik_notice",
        "letter",
    )
    return letter


def charges(engine):
    return rows(engine, "SELECT kind, amount_minor, charged_on FROM charge ORDER BY id")


def test_the_dates_of_the_scenario_follow_from_the_law():
    assert assumed_delivery_date(LETTER_DAY, "letter") == DELIVERED
    assert costs_chargeable_from(DELIVERED) == date(2026, 2, 12)


def test_a_consumer_who_pays_on_day_13_after_delivery_is_charged_nothing(
    engine, settings, tmp_path, letter_sent
):
    day_13 = date(2026, 2, 10)
    run_on(engine, settings, day_13)  # the costs step is due (letter+15d) but the term runs
    pay(
        engine,
        settings,
        tmp_path,
        [
            {
                "payment_id": "P1",
                "amount": PRINCIPAL,
                "paid_at": day_13.isoformat(),
                "customer_id": "C001",
            }
        ],
    )
    for day in (date(2026, 2, 12), date(2026, 2, 13), date(2026, 3, 10)):
        result = run_on(engine, settings, day)
        assert result.actions.height == 0, day
    assert charges(engine) == []
    assert rows(engine, "SELECT status, open_minor FROM invoice") == [
        {"status": "paid", "open_minor": 0}
    ]


def test_a_consumer_who_does_not_pay_is_charged_exactly_what_the_letter_stated(
    engine, settings, letter_sent
):
    stated = collection_costs(Money.of_minor(letter_sent["amount_due_minor"], "EUR"))
    assert stated == Money(Decimal("150.00"), "EUR")
    for day in (date(2026, 2, 10), TERM_ENDS):
        assert run_on(engine, settings, day).actions.height == 0, f"no costs yet on {day}"
    [charge_action] = run_on(engine, settings, date(2026, 2, 12)).actions.to_dicts()
    assert charge_action["kind"] == "charge"
    assert charge_action["charge_minor"] == stated.minor
    [charge] = charges(engine)
    assert (charge["kind"], charge["amount_minor"]) == ("collection_costs", 15000)
    assert str(charge["charged_on"]) == "2026-02-12"
    assert run_on(engine, settings, date(2026, 2, 13)).actions.height == 0  # charged once


BUSINESS_STRATEGY = """
segments:
  - name: business
    when: kind == "business"
  - name: consumers
strategies:
  business:
    steps:
      - id: compensation
        at: due+1d
        charge: collection_costs
  consumers:
    steps:
      - id: reminder
        at: due+7d
        channels: [email]
        template: reminder
"""


def test_a_business_is_charged_eur_40_per_invoice_from_the_day_after_due(
    engine, settings, tmp_path
):
    load_strategy(engine, BUSINESS_STRATEGY)
    invoices = [
        {
            "invoice_number": n,
            "customer_id": "B001",
            "issue_date": "2026-02-01",
            "due_date": due,
            "amount": amount,
        }
        for n, due, amount in (
            ("INV-1", "2026-03-02", "100.00"),
            ("INV-2", "2026-03-02", "5000.00"),
            ("INV-3", "2026-03-10", "20.00"),
        )
    ]
    seed(
        engine,
        settings,
        tmp_path,
        [consumer("B001", kind="business", name="Bakkerij B.V.")],
        invoices,
    )
    assert (
        run_on(engine, settings, date(2026, 3, 2)).actions.height == 0
    )  # on the due date: nothing
    [first] = run_on(engine, settings, date(2026, 3, 3)).actions.to_dicts()
    assert (first["kind"], first["invoices"], first["charge_minor"]) == (
        "charge",
        ["INV-1", "INV-2"],
        8000,
    )
    assert run_on(engine, settings, date(2026, 3, 10)).actions.height == 0
    [second] = run_on(engine, settings, date(2026, 3, 11)).actions.to_dicts()
    assert (second["invoices"], second["charge_minor"]) == (["INV-3"], 4000)
    assert [c["amount_minor"] for c in charges(engine)] == [8000, 4000]


def test_stop_by_whatsapp_ends_whatsapp_contact_at_once_and_the_next_run_uses_another_channel(
    engine, settings, tmp_path
):
    reachable = {
        "phone": "+31612345678",
        "whatsapp": "+31612345678",
        "preferred_channel": "whatsapp",
    }
    seed(
        engine,
        settings,
        tmp_path,
        [consumer("C001", **reachable), consumer("C002", name="Piet Bos", **reachable)],
        [
            {
                "invoice_number": f"INV-{c}",
                "customer_id": c,
                "issue_date": "2026-02-01",
                "due_date": "2026-03-02",
                "amount": "100.00",
            }
            for c in ("C001", "C002")
        ],
    )
    first = run_on(engine, settings, date(2026, 3, 9)).actions.sort("customer_id").to_dicts()
    assert [(a["customer_id"], a["step"], a["channel"]) for a in first] == [
        ("C001", "reminder1", "whatsapp"),
        ("C002", "reminder1", "whatsapp"),
    ]

    replied_at = datetime(2026, 3, 9, 8, 15, tzinfo=UTC)
    pk = customer_pk(engine, "C001")
    with transaction(engine) as session:
        assert handle_inbound_text(session, pk, "whatsapp", "STOP", replied_at) is True
    with transaction(engine) as session:
        assert handle_inbound_text(session, pk, "whatsapp", "stop!", replied_at) is True

    [reminder] = rows(
        engine,
        "SELECT status, status_reason FROM action WHERE action_id = :a",
        a=first[0]["action_id"],
    )
    assert reminder == {"status": "cancelled", "status_reason": "opted out"}
    confirmations = rows(
        engine,
        "SELECT channel, template, status FROM action "
        "WHERE customer_id = :pk AND template = 'opt_out_confirmation'",
        pk=pk,
    )
    assert confirmations == [
        {"channel": "whatsapp", "template": "opt_out_confirmation", "status": "queued"}
    ]

    second = run_on(engine, settings, date(2026, 3, 16)).actions.sort("customer_id").to_dicts()
    assert [(a["customer_id"], a["step"], a["channel"]) for a in second] == [
        ("C001", "reminder2", "sms"),
        ("C002", "reminder2", "whatsapp"),
    ]


CHARGES_WITHOUT_LETTER = """
segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder
        at: due+7d
        channels: [email]
        template: reminder
      - id: costs
        at: due+30d
        charge: collection_costs
"""


def test_a_strategy_charging_consumers_without_a_14_day_letter_is_refused_at_load(engine):
    with pytest.raises(StrategyError) as refused, transaction(engine) as session:
        activate_strategy(session, CHARGES_WITHOUT_LETTER, "no-letter.yaml")
    assert "no earlier step has legal: wik_notice" in str(refused.value)
    assert "'costs'" in str(refused.value)
    with transaction(engine) as session:
        _, version = active_strategy(session)
    assert version is None  # nothing was activated: the shipped default still applies
