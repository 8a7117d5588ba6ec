"""Each rule the run and the send share, in both its forms, on one table of cases.

The collection run applies a rule to whole frames (Polars); the pre-send re-check,
the renderer and the producers outside the run to one account. Every test here runs
both forms on the same cases and expects the same answers.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from creditflow.config import ContactRules, LegalRules
from creditflow.dispatch.facts import InvoiceState
from creditflow.dispatch.immediate import _is_immediate
from creditflow.dispatch.render import _costs
from creditflow.outbox.clock import local_today
from creditflow.outbox.keys import action_key, action_keys, run_action_key, run_key_parts
from creditflow.outbox.models import Action
from creditflow.outbox.reach import reachable_channels, reachable_frame
from creditflow.outbox.transactional import RESPONSE_STEPS
from creditflow.strategy.costs import charge_amounts, claim_costs_minor
from creditflow.strategy.pause import PAUSE_REASONS, exclusions, plan_pauses_until, promise_until
from creditflow.strategy.sendtime import keeps_quiet_hours

from .snapshots import customer, invoice, snapshot

TODAY = date(2026, 3, 2)
RULES = ContactRules()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- the idempotency key -------------------------------------------------------------

RUN_ROWS = [
    ("C001", "EUR", "consumers", "reminder1", ["INV-1", "INV-2"]),
    ("C002", "USD", "business", "nudge", ["INV-9"]),
    ("C-ü", "EUR", "late_payers", "final_notice", []),
]


def test_the_run_keys_a_whole_frame_as_it_keys_one_action():
    frame = pl.DataFrame(
        RUN_ROWS,
        schema={
            "customer_id": pl.Utf8,
            "currency": pl.Utf8,
            "strategy": pl.Utf8,
            "step": pl.Utf8,
            "invoices": pl.List(pl.Utf8),
        },
        orient="row",
    )
    vectorised = action_keys(frame, run_key_parts(TODAY)).to_list()
    one_by_one = [run_action_key(*row[:4], TODAY, row[4]) for row in RUN_ROWS]
    assert vectorised == one_by_one


def test_existing_keys_keep_their_value_so_a_rerun_on_an_old_database_adds_nothing():
    # The formats the four producers used before the outbox had one key function.
    assert run_action_key("C001", "EUR", "consumers", "reminder1", TODAY, ["INV-1", "INV-2"]) == (
        _sha("C001|EUR|consumers|reminder1|2026-03-02|INV-1,INV-2")
    )
    assert action_key("portal", "promise-12-confirmation") == _sha("portal|promise-12-confirmation")
    assert action_key("C001", "compliance", "do_not_contact", "dispute") == _sha(
        "C001|compliance|do_not_contact|dispute"
    )


# --- the customer's today ------------------------------------------------------------

MIDNIGHT_CASES = [
    # (UTC moment, customer's zone, their today)
    (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Europe/Amsterdam", date(2026, 3, 2)),
    (datetime(2026, 3, 2, 0, 30, tzinfo=UTC), "America/New_York", date(2026, 3, 1)),
    (datetime(2026, 3, 1, 22, 59, tzinfo=UTC), "Europe/Amsterdam", date(2026, 3, 1)),
    (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Not/AZone", date(2026, 3, 1)),
]


@pytest.mark.parametrize(("now", "zone", "today"), MIDNIGHT_CASES)
def test_today_is_the_day_where_the_customer_lives(now, zone, today):
    assert local_today(SimpleNamespace(timezone=zone), now) == today


# --- reachable channels --------------------------------------------------------------

# (contact points as (channel, valid, opted_out), the customer's opt-out list, reachable)
REACH_CASES: list[tuple[list[tuple[str, bool, bool]], list[str], set[str]]] = [
    ([("email", True, False), ("sms", True, False)], [], {"email", "sms"}),
    ([("email", False, False), ("sms", True, False)], [], {"sms"}),
    ([("email", True, True), ("email", True, False)], [], {"email"}),
    ([("email", True, True)], [], set()),
    ([("email", True, False), ("letter", True, False)], ["letter"], {"email"}),
    ([], ["email"], set()),
    ([("whatsapp", True, False), ("voice", True, False)], ["voice", "sms"], {"whatsapp"}),
]


def test_reachable_channels_are_the_same_for_one_customer_and_for_all():
    points = [
        (pk, channel)
        for pk, (rows, _, _) in enumerate(REACH_CASES)
        for channel, valid, opted_out in rows
        if valid and not opted_out
    ]
    frame = reachable_frame(
        pl.DataFrame(points, schema={"customer_pk": pl.Int64, "channel": pl.Utf8}, orient="row"),
        pl.DataFrame(
            [(pk, opt_out) for pk, (_, opt_out, _) in enumerate(REACH_CASES)],
            schema={"customer_pk": pl.Int64, "opt_out": pl.List(pl.Utf8)},
            orient="row",
        ),
    )
    for pk, (rows, opt_out, expected) in enumerate(REACH_CASES):
        together = set(frame.filter(pl.col("customer_pk") == pk).get_column("channel").to_list())
        alone = reachable_channels(rows, opt_out)
        assert together == alone == expected, (rows, opt_out)


# --- the dunning pause ---------------------------------------------------------------

DUE = date(2026, 2, 1)
# (case, invoice status, disputed, promised date, plan (oldest unpaid due or None; absent =
#  no plan), plan requested, expected reason code)
NO_PLAN: Any = "no plan"
PAUSE_CASES = [
    ("nothing holds it", "open", False, None, NO_PLAN, False, None),
    ("an open dispute", "open", True, None, NO_PLAN, False, "disputed"),
    ("the invoice's status", "disputed", False, None, NO_PLAN, False, "disputed"),
    ("a promise for today", "open", False, TODAY, NO_PLAN, False, "promise_to_pay"),
    ("a promise in its grace days", "open", False, TODAY - timedelta(3), NO_PLAN, False,
     "promise_to_pay"),
    ("a promise past its grace days", "open", False, TODAY - timedelta(4), NO_PLAN, False, None),
    ("a plan with every installment paid", "open", False, None, None, False, "payment_plan"),
    ("a plan with an installment due later", "open", False, None, TODAY + timedelta(10), False,
     "payment_plan"),
    ("a plan with an installment in its grace days", "open", False, None,
     TODAY - timedelta(5), False, "payment_plan"),
    ("a plan past its grace days (defaulted, not yet marked)", "open", False, None,
     TODAY - timedelta(6), False, None),
    ("a defaulted plan and a plan request", "open", False, None, TODAY - timedelta(30), True,
     "plan_requested"),
    ("a plan request waiting for review", "open", False, None, NO_PLAN, True, "plan_requested"),
    ("a dispute wins over a promise", "open", True, TODAY, None, True, "disputed"),
]  # fmt: skip


def _run_form(cases: list[tuple[Any, ...]]) -> list[str | None]:
    invoices = [invoice(i + 1, 1, DUE, status=c[1]) for i, c in enumerate(cases)]
    snap = snapshot(
        [customer(1)],
        invoices,
        disputes=[i + 1 for i, c in enumerate(cases) if c[2]],
        promises=[(1, i + 1, c[3]) for i, c in enumerate(cases) if c[3] is not None],
        plans=[(i + 1, c[4]) for i, c in enumerate(cases) if c[4] is not NO_PLAN],
        plan_requests=[i + 1 for i, c in enumerate(cases) if c[5]],
    )
    excluded = exclusions(snap, TODAY, RULES).sort("invoice_pk")
    return excluded.get_column("excluded").to_list()


def _send_form(case: tuple[Any, ...]) -> str | None:
    _, status, disputed, promised, plan, requested, _ = case
    state = InvoiceState(
        1,
        "INV-1",
        10000,
        status,
        disputed=disputed,
        promised_until=None
        if promised is None
        else promise_until(promised, RULES.promise_grace_days),
        plan_until=None if plan is NO_PLAN else plan_pauses_until(plan, RULES.plan_grace_days),
        plan_requested=requested,
    )
    return state.hold(TODAY)


def test_the_run_and_the_re_check_pause_the_same_invoices_for_the_same_reason():
    assert RULES.promise_grace_days == 3 and RULES.plan_grace_days == 5  # the cases' dates
    codes = _run_form(PAUSE_CASES)
    for case, code in zip(PAUSE_CASES, codes, strict=True):
        assert code == case[-1], case[0]
        assert _send_form(case) == (None if code is None else PAUSE_REASONS[code]), case[0]


# --- the collection costs ------------------------------------------------------------

# (customer kind, currency, open amounts of the claim's invoices in minor units)
COST_CASES = [
    ("consumer", "EUR", [41250]),
    ("consumer", "EUR", [100000, 250000]),
    ("consumer", "EUR", [1500000]),
    ("business", "EUR", [41250]),
    ("business", "EUR", [5000, 5000, 5000]),
    ("business", "EUR", [2500000]),
    ("business", "USD", [41250]),
    ("consumer", "EUR", []),
]
LEGAL_VARIANTS = [
    LegalRules(),
    LegalRules(business_costs="wik_scale", vat_on_costs=True),
    LegalRules(business_costs="contractual", contractual_percentage=Decimal("15")),
]


@pytest.mark.parametrize("legal", LEGAL_VARIANTS)
def test_the_run_charges_the_costs_the_notice_announces(legal):
    frame = pl.DataFrame(
        [
            {
                "customer_kind": kind,
                "charge": "collection_costs",
                "currency": currency,
                "amount_due_minor": sum(amounts),
                "invoices": [f"INV-{i}" for i in range(len(amounts))],
                "lawful_costs_minor": None,
            }
            for kind, currency, amounts in COST_CASES
        ],
        schema={
            "customer_kind": pl.Utf8,
            "charge": pl.Utf8,
            "currency": pl.Utf8,
            "amount_due_minor": pl.Int64,
            "invoices": pl.List(pl.Utf8),
            "lawful_costs_minor": pl.Int64,
        },
    )
    claims = claim_costs_minor(
        frame.select(
            pl.col("customer_kind").alias("kind"),
            "currency",
            pl.col("amount_due_minor").alias("open_minor"),
            pl.col("invoices").list.len().alias("invoice_count"),
        ),
        legal,
    ).to_list()
    charged = charge_amounts(frame, legal).get_column("charge_minor").to_list()
    for (kind, currency, amounts), claim, charge in zip(COST_CASES, claims, charged, strict=True):
        invoices = [SimpleNamespace(open_minor=minor) for minor in amounts]
        announced = _costs(SimpleNamespace(kind=kind), invoices, currency, legal)  # type: ignore[arg-type]
        expected = None if announced is None else announced.amount.minor
        assert claim == expected, (kind, currency, amounts)
        if kind == "business":
            assert charge == expected, (kind, currency, amounts)
        else:  # a consumer pays only what a sent 14-day letter allows (none here)
            assert charge is None


def test_a_consumer_is_charged_what_the_sent_letter_allows_not_the_claim_costs():
    frame = pl.DataFrame(
        {
            "customer_kind": ["consumer", "consumer"],
            "charge": ["collection_costs", "collection_costs"],
            "currency": ["EUR", "EUR"],
            "amount_due_minor": [41250, 41250],
            "invoices": [["INV-1"], ["INV-2"]],
            "lawful_costs_minor": [4000, 0],
        }
    )
    assert charge_amounts(frame).get_column("charge_minor").to_list() == [4000, None]


# --- transactional messages ----------------------------------------------------------

STEPS = [*sorted(RESPONSE_STEPS), "reminder1", "promise_broken", "payment_plan_missed", "nudge"]
NOW = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)


@pytest.mark.parametrize("step", STEPS)
def test_a_message_goes_at_once_exactly_when_it_is_exempt_from_quiet_hours(step):
    action = Action(
        kind="message", step=step, channel="email", status="queued", run_id=None, scheduled_at=NOW
    )
    sent_at_once = _is_immediate(action, NOW)
    assert sent_at_once == (not keeps_quiet_hours("message", "email", step))
    assert sent_at_once == (step in RESPONSE_STEPS)
