"""The debtor behaviour model: sane, channel-dependent, seeded and exact with money."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from creditflow.money import parse_amount
from creditflow.simulation.behaviour import OUTCOMES, outcome_rates, respond, step_class
from creditflow.simulation.schema import PAYER_TYPES

DAY = date(2026, 3, 2)
CHANNELS = ("email", "sms", "whatsapp", "letter", "voice", "call", "push")


def _customers(per_type: int, kind: str = "consumer") -> pl.DataFrame:
    rows = [
        {"customer_id": f"{payer[:3]}-{i}", "kind": kind, "segment": None, "payer_type": payer}
        for payer in PAYER_TYPES
        for i in range(per_type)
    ]
    return pl.DataFrame(rows, schema_overrides={"segment": pl.String})


def _actions(
    customers: pl.DataFrame, channel: str | None, step: str, amount: str = "412.50"
) -> pl.DataFrame:
    n = customers.height
    return pl.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "channel": pl.Series([channel] * n, dtype=pl.String),
            "step": [step] * n,
            "amount_due": [amount] * n,
            "invoices": [["INV-100001", "INV-100002"]] * n,
        }
    )


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        ("nudge", "nudge"),
        ("reminder1", "reminder"),
        ("final_notice", "final"),
        ("fourteen_day_letter", "final"),
        ("costs", "costs"),
        ("handover", "handover"),
        ("agency", "handover"),
        ("something_else", "reminder"),
        (None, "reminder"),
    ],
)
def test_step_ids_are_read_by_their_words(step: str | None, kind: str) -> None:
    assert step_class(step) == kind


@pytest.mark.parametrize("payer", PAYER_TYPES)
@pytest.mark.parametrize("channel", [*CHANNELS, None, "fax"])
@pytest.mark.parametrize("step", ["nudge", "reminder1", "final_notice", "costs", "handover"])
def test_rates_are_probabilities_that_leave_room_for_silence(
    payer: str, channel: str | None, step: str
) -> None:
    rates = outcome_rates(payer, channel, step)
    assert list(rates) == list(OUTCOMES)
    assert all(0.0 <= rate <= 0.95 for rate in rates.values())
    assert sum(rates.values()) <= 0.95 + 1e-9
    if channel in ("letter", "call", None):
        assert rates["opt_out"] == 0.0  # nobody texts STOP to a letter


@pytest.mark.parametrize(
    ("payer", "low", "high"),
    [
        ("punctual", 0.4, 0.9),
        ("forgetful", 0.3, 0.8),
        ("struggling", 0.02, 0.2),
        ("disputer", 0.01, 0.1),
        ("ghost", 0.0, 0.03),
    ],
)
def test_the_chance_to_pay_after_an_email_reminder_fits_the_payer_type(
    payer: str, low: float, high: float
) -> None:
    assert low <= outcome_rates(payer, "email", "reminder1")["pay"] <= high


def test_forgetful_customers_pay_sooner_after_an_sms_or_email_than_after_a_letter() -> None:
    sms = outcome_rates("forgetful", "sms", "reminder1")["pay"]
    email = outcome_rates("forgetful", "email", "reminder1")["pay"]
    letter = outcome_rates("forgetful", "letter", "reminder1")["pay"]
    assert sms > email > letter


def test_ghosts_answer_a_letter_or_a_call_rather_than_an_email() -> None:
    email = outcome_rates("ghost", "email", "reminder1")["pay"]
    assert outcome_rates("ghost", "letter", "reminder1")["pay"] > 2 * email
    assert outcome_rates("ghost", "call", "reminder1")["pay"] > 2 * email


def test_a_collectors_call_brings_promises_and_disputers_dispute() -> None:
    call = outcome_rates("struggling", "call", "reminder1")["promise"]
    assert call > 2 * outcome_rates("struggling", "email", "reminder1")["promise"]
    disputer = outcome_rates("disputer", "email", "reminder1")
    assert disputer["dispute"] == max(disputer.values())


def test_later_steps_bring_in_more_than_a_pre_due_nudge() -> None:
    nudge = outcome_rates("struggling", "email", "nudge")["pay"]
    final = outcome_rates("struggling", "email", "final_notice")["pay"]
    handover = outcome_rates("struggling", "email", "handover")["pay"]
    assert nudge < final < handover


def test_observed_rates_follow_the_model_and_differ_by_channel() -> None:
    customers = _customers(4000)
    observed: dict[str, float] = {}
    for channel in ("sms", "email", "letter"):
        responses = respond(
            _actions(customers, channel, "reminder1"), customers, DAY, np.random.default_rng(9)
        )
        payers = set(responses.payments["customer_id"])
        forgetful = [c for c in customers["customer_id"] if c.startswith("for-")]
        observed[channel] = sum(c in payers for c in forgetful) / len(forgetful)
        expected = outcome_rates("forgetful", channel, "reminder1")["pay"]
        assert observed[channel] == pytest.approx(expected, abs=0.03), channel
    assert observed["sms"] > observed["email"] > observed["letter"]


def test_one_response_per_customer_and_day_the_strongest_wins() -> None:
    customers = _customers(300)
    actions = pl.concat(
        [_actions(customers, "email", "reminder1"), _actions(customers, "sms", "reminder1")]
    )
    responses = respond(actions, customers, DAY, np.random.default_rng(10))
    answered = pl.concat(
        [
            responses.payments.select("customer_id"),
            responses.promises.select("customer_id"),
            responses.disputes.select("customer_id"),
            responses.opt_outs.select("customer_id"),
        ]
    )["customer_id"]
    assert answered.is_unique().all()
    assert 0 < answered.len() < customers.height


def test_responses_are_well_formed() -> None:
    customers = _customers(2000).with_columns(language=pl.lit("en"))
    actions = pl.concat(
        [
            _actions(customers.head(5000), channel, "final_notice", "100.01")
            for channel in ("sms", "call", "letter")
        ]
    )
    responses = respond(actions, customers, DAY, np.random.default_rng(11))
    for row in responses.payments.iter_rows(named=True):
        amount = parse_amount(row["amount"])
        assert Decimal("0") < amount <= Decimal("100.01")
        assert amount == amount.quantize(Decimal("0.01"))
        assert row["currency"] == "EUR"
        assert DAY <= row["paid_at"] <= DAY + timedelta(days=10)
    partial = responses.payments.filter(pl.col("amount") != "100.01")
    assert partial.height > 0
    assert set(partial["customer_id"].str.slice(0, 3)) <= {"str", "pun", "for", "dis", "gho"}
    for row in responses.promises.iter_rows(named=True):
        assert 3 <= (row["promised_date"] - DAY).days <= 14
    assert responses.disputes.height > 0
    assert set(responses.disputes["invoice_number"]) == {"INV-100001"}
    assert responses.disputes["reason"].str.contains("[a-z]").all()
    assert not responses.disputes["reason"].str.contains("niet").any()  # English customers
    assert set(responses.opt_outs["channel"]) <= {"sms"}


def test_struggling_payers_often_pay_only_part() -> None:
    customers = _customers(3000).filter(pl.col("payer_type") == "struggling")
    responses = respond(
        _actions(customers, "call", "handover", "200.00"), customers, DAY, np.random.default_rng(12)
    )
    amounts = responses.payments["amount"].map_elements(parse_amount, return_dtype=pl.Object)
    partial = sum(1 for a in amounts if a < Decimal("200.00"))
    assert 0.4 < partial / len(amounts) < 0.8
    assert all(Decimal("50.00") <= a <= Decimal("200.00") for a in amounts)


def test_currencies_keep_their_own_decimals() -> None:
    customers = _customers(400).filter(pl.col("payer_type") == "punctual")
    actions = _actions(customers, "sms", "reminder1", "1500").with_columns(currency=pl.lit("JPY"))
    responses = respond(actions, customers, DAY, np.random.default_rng(13))
    assert responses.payments.height > 0
    amounts = set(responses.payments["amount"])
    assert "1500" in amounts
    assert all(text.isdigit() and int(text) <= 1500 for text in amounts)
    assert set(responses.payments["currency"]) == {"JPY"}


def test_the_same_generator_state_gives_the_same_responses() -> None:
    customers = _customers(500)
    actions = _actions(customers, "whatsapp", "reminder1")
    first = respond(actions, customers, DAY, np.random.default_rng(14))
    again = respond(actions, customers, DAY, np.random.default_rng(14))
    other = respond(actions, customers, DAY, np.random.default_rng(15))
    for name in ("payments", "promises", "disputes", "opt_outs"):
        assert getattr(first, name).equals(getattr(again, name)), name
    assert not first.payments.equals(other.payments)


def test_no_actions_no_responses() -> None:
    customers = _customers(3)
    responses = respond(
        _actions(customers, "email", "x").head(0), customers, DAY, np.random.default_rng(1)
    )
    assert responses.counts() == {"payments": 0, "promises": 0, "disputes": 0, "opt_outs": 0}
    assert responses.payments.columns == [
        "customer_id",
        "amount",
        "currency",
        "paid_at",
        "channel",
        "step",
    ]


def test_a_customer_without_payer_type_is_named_in_the_error() -> None:
    customers = _customers(2)
    actions = _actions(customers, "email", "reminder1").with_columns(
        customer_id=pl.lit("C-UNKNOWN")
    )
    with pytest.raises(ValueError, match="C-UNKNOWN"):
        respond(actions, customers, DAY, np.random.default_rng(1))
    with pytest.raises(ValueError, match="payer_type"):
        respond(actions, customers.drop("payer_type"), DAY, np.random.default_rng(1))


def test_a_bad_amount_due_is_named_in_the_error_even_for_a_debtor_who_ignores_it() -> None:
    customers = _customers(1).filter(pl.col("payer_type") == "ghost")
    actions = _actions(customers, "email", "nudge", "12,50")
    with pytest.raises(ValueError, match=r"amount_due '12,50' of customer_id gho-0"):
        respond(actions, customers, DAY, np.random.default_rng(1))


def test_a_cent_is_never_split_into_a_zero_payment() -> None:
    customers = _customers(2000).filter(pl.col("payer_type") == "struggling")
    responses = respond(
        _actions(customers, "call", "handover", "0.01"), customers, DAY, np.random.default_rng(2)
    )
    assert responses.payments.height > 0
    assert set(responses.payments["amount"]) == {"0.01"}
