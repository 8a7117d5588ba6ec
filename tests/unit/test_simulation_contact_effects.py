"""Channel and step effects calibrated on a ledger's own contact history (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from creditflow.simulation.behaviour import (
    CHANNEL_EFFECT,
    PAYMENT_LAG,
    SHIPPED_EFFECTS,
    STEP_EFFECT,
    outcome_rates,
)
from creditflow.simulation.contact_effects import (
    MIN_CONTACTS,
    calibrate_contact_effects,
)
from creditflow.simulation.schema import PAYER_TYPES

AS_OF = date(2026, 3, 1)
SENT = AS_OF - timedelta(days=20)


def ledger(*groups: tuple[str, str, str, int, float, str]):
    """Contacts, answers and weights: per group (channel, step, payer type, contacts,
    answered share, outcome), each contact to its own customer of that payer type."""
    contacts, answers, weights = [], [], []
    for g, (channel, step, payer_type, n, share, outcome) in enumerate(groups):
        answered = round(n * share)
        for i in range(n):
            customer = f"C{g:02d}-{i:05d}"
            contacts.append((customer, channel, step, SENT))
            weights.append((customer, "consumer", *(float(t == payer_type) for t in PAYER_TYPES)))
            if i < answered:
                lag = PAYMENT_LAG.get(channel, (1, 4))[0] if outcome == "pay" else 0
                opt_channel = channel if outcome == "opt_out" else None
                answers.append((customer, outcome, SENT + timedelta(days=lag), opt_channel))
    return (
        pl.DataFrame(
            contacts, schema=["customer_id", "channel", "step", "decided_on"], orient="row"
        ),
        pl.DataFrame(
            answers,
            schema={
                "customer_id": pl.Utf8,
                "outcome": pl.Utf8,
                "answered_on": pl.Date,
                "channel": pl.Utf8,
            },
            orient="row",
        ),
        pl.DataFrame(weights, schema=["customer_id", "kind", *PAYER_TYPES], orient="row"),
    )


def rate(payer_type: str, channel: str, step: str = "reminder1", outcome: str = "pay") -> float:
    return outcome_rates(payer_type, channel, step)[outcome]


def as_expected(
    channel: str, payer_type: str, n: int, factor: float = 1.0, step: str = "reminder1"
):
    return (channel, step, payer_type, n, rate(payer_type, channel, step) * factor, "pay")


def test_without_history_the_effects_are_the_shipped_defaults_exactly():
    contacts, answers, weights = ledger()
    calibrated = calibrate_contact_effects(contacts, answers, weights, AS_OF)
    assert calibrated.effects.channel == {c: CHANNEL_EFFECT[c] for c in CHANNEL_EFFECT}
    assert calibrated.effects.step == STEP_EFFECT
    assert calibrated.level == {"pay": 1.0, "promise": 1.0, "dispute": 1.0, "opt_out": 1.0}
    assert calibrated.channels["contacts"].sum() == 0


@pytest.mark.parametrize(
    ("sms_factor", "low", "high"),
    [
        (2.0, 1.8, 2.05),  # answered twice as often as the model expects: about doubles
        (1.0, 0.93, 1.07),  # as the model expects: the shipped effect
        (0.5, 0.5, 0.62),  # half as often: about halves
    ],
)
def test_the_sms_pay_effect_follows_how_often_sms_contacts_were_answered(sms_factor, low, high):
    contacts, answers, weights = ledger(
        as_expected("email", "struggling", 2000), as_expected("sms", "struggling", 2000, sms_factor)
    )
    calibrated = calibrate_contact_effects(contacts, answers, weights, AS_OF)
    sms = calibrated.effects.channel["sms"]
    assert low <= sms[0] / CHANNEL_EFFECT["sms"][0] <= high
    assert calibrated.effects.channel["email"] == CHANNEL_EFFECT["email"]
    assert sms[1:] == pytest.approx(CHANNEL_EFFECT["sms"][1:], rel=0.2)  # no promises seen


def test_the_mix_of_payers_per_channel_is_adjusted_for():
    # Punctual debtors got SMS, ghosts got e-mail; both answered as the model expects.
    contacts, answers, weights = ledger(
        as_expected("email", "ghost", 3000), as_expected("sms", "punctual", 300)
    )
    calibrated = calibrate_contact_effects(contacts, answers, weights, AS_OF)
    assert calibrated.effects.channel["sms"][0] == pytest.approx(CHANNEL_EFFECT["sms"][0], rel=0.1)


@pytest.mark.parametrize(
    ("contacts_on_sms", "low", "high"),
    [
        (MIN_CONTACTS - 1, 0.0, 0.0),  # below the minimum: the default exactly
        (40, 0.0, 0.3),  # 40 contacts, ~4 answers expected: close to the default
        (400, 0.6, 0.95),  # plenty: most of the way to doubling
    ],
)
def test_thin_history_stays_close_to_the_default(contacts_on_sms, low, high):
    contacts, answers, weights = ledger(
        as_expected("email", "struggling", 2000),
        as_expected("sms", "struggling", contacts_on_sms, 2.0),
    )
    sms = calibrate_contact_effects(contacts, answers, weights, AS_OF).effects.channel["sms"]
    moved = sms[0] / CHANNEL_EFFECT["sms"][0] - 1
    assert low <= moved <= high


def test_a_step_answered_more_often_gets_a_larger_step_effect():
    contacts, answers, weights = ledger(
        as_expected("email", "struggling", 2000, step="reminder1"),
        as_expected("email", "struggling", 2000, 1.5, step="final_notice"),
    )
    calibrated = calibrate_contact_effects(contacts, answers, weights, AS_OF)
    final = calibrated.effects.step["final"]
    assert final[0] / STEP_EFFECT["final"][0] == pytest.approx(1.5, rel=0.07)
    assert calibrated.effects.step["reminder"] == STEP_EFFECT["reminder"]
    steps = calibrated.steps.filter(pl.col("step") == "final").row(0, named=True)
    assert steps["contacts"] == 2000 and steps["shipped_pay"] == STEP_EFFECT["final"][0]


def test_promises_and_opt_outs_are_calibrated_per_outcome():
    contacts, answers, weights = ledger(
        (
            "email",
            "reminder1",
            "struggling",
            2000,
            rate("struggling", "email", outcome="promise"),
            "promise",
        ),
        (
            "sms",
            "reminder1",
            "struggling",
            2000,
            3 * rate("struggling", "sms", outcome="opt_out"),
            "opt_out",
        ),
    )
    sms = calibrate_contact_effects(contacts, answers, weights, AS_OF).effects.channel["sms"]
    assert sms[3] / CHANNEL_EFFECT["sms"][3] > 2.0
    assert sms[1] / CHANNEL_EFFECT["sms"][1] < 0.5  # sms contacts made no promises


def test_an_answer_in_two_windows_is_shared_by_how_likely_each_contact_was_to_bring_it():
    contacts = pl.DataFrame(
        {
            "customer_id": ["A", "A", "A"],
            "channel": ["email", "sms", "letter"],
            "step": ["reminder1", "reminder2", "final_notice"],
            "decided_on": [SENT, SENT + timedelta(days=1), SENT + timedelta(days=1)],
        }
    )
    answers = pl.DataFrame(
        {"customer_id": ["A"], "outcome": ["pay"], "answered_on": [SENT + timedelta(days=1)],
         "channel": [None]},
        schema_overrides={"channel": pl.Utf8},
    )  # fmt: skip
    weights = pl.DataFrame(
        {"customer_id": ["A"], "kind": ["consumer"], **{t: [0.2] for t in PAYER_TYPES}}
    )
    table = calibrate_contact_effects(contacts, answers, weights, AS_OF).channels
    seen = dict(zip(table["channel"], table["seen_pay"], strict=True))
    expected = dict(zip(table["channel"], table["expected_pay"], strict=True))
    assert seen["letter"] == 0  # a letter is paid 2-6 days later, not the next day
    assert seen["sms"] + seen["email"] == pytest.approx(1, abs=0.01)
    assert seen["sms"] / seen["email"] == pytest.approx(
        expected["sms"] / expected["email"], rel=0.05
    )


def test_contacts_whose_answer_window_is_still_open_are_left_out():
    contacts, answers, weights = ledger(as_expected("letter", "struggling", 100, 3.0))
    # A letter is paid 2-6 days later: three days before the start its window is open.
    late = contacts.with_columns(decided_on=pl.lit(AS_OF - timedelta(days=3)))
    calibrated = calibrate_contact_effects(late, answers, weights, AS_OF)
    assert calibrated.channels.filter(pl.col("channel") == "letter")["contacts"][0] == 0
    assert calibrated.effects.channel["letter"][0] == CHANNEL_EFFECT["letter"][0]
    after = contacts.with_columns(decided_on=pl.lit(AS_OF + timedelta(days=1)))
    calibrated = calibrate_contact_effects(after, answers, weights, AS_OF)
    assert calibrated.effects == SHIPPED_EFFECTS


def test_a_missing_column_is_named():
    contacts, answers, weights = ledger()
    with pytest.raises(ValueError, match="decided_on"):
        calibrate_contact_effects(contacts.drop("decided_on"), answers, weights, AS_OF)
    with pytest.raises(ValueError, match="answered_on"):
        calibrate_contact_effects(contacts, answers.drop("answered_on"), weights, AS_OF)
