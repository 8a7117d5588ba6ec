"""Payer types drawn from a debtor's own history: the posterior, and the seeded draw."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from creditflow.simulation.calibration import PAYMENT_HABITS, payer_type_weights, payer_types
from creditflow.simulation.schema import CONSUMER_PAYER_MIX, PAYER_TYPES

AS_OF = date(2026, 6, 1)


def _invoices(customer: str, late_days: list[int | None], *, disputed: int = 0) -> list[dict]:
    """One invoice per entry: days paid after the due date, or None for still open."""
    due = AS_OF - timedelta(days=100)
    return [
        {
            "customer_id": customer,
            "due_date": due,
            "paid_on": None if late is None else due + timedelta(days=late),
            "disputed": 1 if i < disputed else 0,
        }
        for i, late in enumerate(late_days)
    ]


def _weights(customer_kind: str, invoices: list[dict]) -> dict[str, float]:
    customers = pl.DataFrame({"customer_id": ["C1"], "kind": [customer_kind]})
    frame = pl.DataFrame(
        invoices,
        schema={
            "customer_id": pl.Utf8,
            "due_date": pl.Date,
            "paid_on": pl.Date,
            "disputed": pl.Int64,
        },
    )
    row = payer_type_weights(customers, frame, AS_OF).row(0, named=True)
    return {t: row[t] for t in PAYER_TYPES}


@pytest.mark.parametrize(
    ("case", "late_days", "disputed", "strongest"),
    [
        ("twenty invoices paid on time", [0] * 20, 0, "punctual"),
        ("twenty paid a week late", [7] * 20, 0, "forgetful"),
        ("twenty paid a month late", [30] * 20, 0, "struggling"),
        ("twenty paid three months late: they do pay, in the end", [90] * 20, 0, "struggling"),
        ("an invoice open 100 days counts as 100 days late", [None] * 20, 0, "ghost"),
        ("half of twenty disputed", [0] * 10 + [30] * 10, 10, "disputer"),
    ],
)
def test_a_debtor_with_a_long_history_is_mostly_the_payer_their_invoices_show(
    case, late_days, disputed, strongest
):
    weights = _weights("consumer", _invoices("C1", late_days, disputed=disputed))
    assert max(weights, key=lambda t: weights[t]) == strongest, case
    assert sum(weights.values()) == pytest.approx(1.0)


def test_a_debtor_without_history_gets_the_shipped_mix():
    weights = _weights("consumer", [])
    assert [weights[t] for t in PAYER_TYPES] == pytest.approx(list(CONSUMER_PAYER_MIX))


def test_one_invoice_moves_the_mix_by_bayes_rule():
    """P(type | one on-time invoice) = mix x P(on time | type), normalised (floored at 1%)."""
    weights = _weights("consumer", _invoices("C1", [0]))
    on_time = {t: max(PAYMENT_HABITS[t][0], 0.01) for t in PAYER_TYPES}
    norm = {t: on_time[t] / sum(max(p, 0.01) for p in PAYMENT_HABITS[t]) for t in PAYER_TYPES}
    mix = dict(zip(PAYER_TYPES, CONSUMER_PAYER_MIX, strict=True))
    total = sum(mix[t] * norm[t] for t in PAYER_TYPES)
    for payer_type in PAYER_TYPES:
        assert weights[payer_type] == pytest.approx(mix[payer_type] * norm[payer_type] / total)


def test_invoices_not_yet_due_say_nothing():
    not_due = [{"customer_id": "C1", "due_date": AS_OF + timedelta(days=5), "paid_on": None,
                "disputed": 0}]  # fmt: skip
    weights = _weights("business", not_due)
    assert weights["punctual"] == pytest.approx(0.40)


def test_the_draw_is_the_same_for_a_seed_and_only_knows_the_five_types():
    customers = pl.DataFrame({"customer_id": [f"C{i:03}" for i in range(300)], "kind": "consumer"})
    empty = pl.DataFrame(
        schema={
            "customer_id": pl.Utf8,
            "due_date": pl.Date,
            "paid_on": pl.Date,
            "disputed": pl.Int64,
        }
    )
    weights = payer_type_weights(customers, empty, AS_OF)
    first, again, other = payer_types(weights, 5), payer_types(weights, 5), payer_types(weights, 6)
    assert first.equals(again)
    assert not first.equals(other)
    assert set(first["payer_type"]) <= set(PAYER_TYPES)
    share = (first["payer_type"] == "punctual").mean()
    assert share == pytest.approx(CONSUMER_PAYER_MIX[0], abs=0.08)


def test_the_printed_calibration_counts_debtors_with_history_and_averages_the_mix():
    from creditflow.simulation.calibration import calibration_summary
    from creditflow.simulation.schema import BUSINESS_PAYER_MIX

    customers = pl.DataFrame(
        {"customer_id": ["C1", "C2", "B1"], "kind": ["consumer", "consumer", "business"]}
    )
    invoices = pl.DataFrame(
        _invoices("C1", [0, 0, 0, 0]) + _invoices("C2", [None, None]),
        schema={"customer_id": pl.Utf8, "due_date": pl.Date, "paid_on": pl.Date,
                "disputed": pl.Int64},
    )  # fmt: skip
    weights = payer_type_weights(customers, invoices, AS_OF)
    summary = {r["kind"]: r for r in calibration_summary(weights).iter_rows(named=True)}
    consumer, business = summary["consumer"], summary["business"]
    assert (consumer["debtors"], consumer["with_history"], consumer["invoices_judged"]) == (2, 2, 6)
    assert (business["debtors"], business["with_history"], business["invoices_judged"]) == (1, 0, 0)
    assert consumer["contacts_unanswered"] == business["contacts_unanswered"] == 0
    for i, payer_type in enumerate(PAYER_TYPES):  # no history: the shipped mix of its kind
        assert business[payer_type] == pytest.approx(BUSINESS_PAYER_MIX[i])
    mean_of_two = {t: w.mean() for t, w in weights.filter(pl.col("kind") == "consumer")
                   .select(PAYER_TYPES).to_dict().items()}  # fmt: skip
    assert consumer["punctual"] == pytest.approx(mean_of_two["punctual"])
    assert consumer["punctual"] > 0.45 and consumer["ghost"] > 0.3  # C1 punctual, C2 open


def _contacts(rows: list[tuple[str, str, str, date]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"customer_id": pl.Utf8, "channel": pl.Utf8, "step": pl.Utf8, "decided_on": pl.Date},
        orient="row",
    )


def _answers(rows: list[tuple[str, date]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, "pay", d, None) for c, d in rows],
        schema={"customer_id": pl.Utf8, "outcome": pl.Utf8, "answered_on": pl.Date,
                "channel": pl.Utf8},
        orient="row",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("case", "sent_days_before", "paid_days_after", "silent"),
    [
        ("an e-mail nobody answered in two weeks", 14, None, True),
        ("an e-mail answered by a payment two days later", 14, 2, False),
        ("a payment long after the e-mail's window does not answer it", 14, 10, True),
        ("an e-mail of yesterday may still be answered: not counted", 1, None, False),
    ],
)
def test_a_contact_is_silent_when_its_answer_window_closed_with_no_answer(
    case, sent_days_before, paid_days_after, silent
):
    from creditflow.simulation.calibration import silent_contacts

    sent = AS_OF - timedelta(days=sent_days_before)
    answers = [] if paid_days_after is None else [("C1", sent + timedelta(days=paid_days_after))]
    found = silent_contacts(
        _contacts([("C1", "email", "reminder_1", sent)]),
        _answers(answers),
        pl.DataFrame({"customer_id": ["C1"], "kind": ["consumer"]}),
        AS_OF,
    )
    assert found.height == (1 if silent else 0), case


def test_a_debtor_reminded_three_times_without_answering_is_more_likely_a_ghost():
    """Same open invoice; the one who ignored three reminders weighs toward the ghost."""
    from creditflow.simulation.calibration import silent_contacts

    customers = pl.DataFrame({"customer_id": ["C1", "C2"], "kind": ["consumer", "consumer"]})
    due = AS_OF - timedelta(days=30)
    invoices = pl.DataFrame(
        [("C1", due, None, 0), ("C2", due, None, 0)],
        schema={"customer_id": pl.Utf8, "due_date": pl.Date, "paid_on": pl.Date,
                "disputed": pl.Int64},
        orient="row",
    )  # fmt: skip
    reminders = _contacts(
        [("C1", ch, "reminder_1", due + timedelta(days=d)) for ch, d in
         (("email", 3), ("sms", 10), ("letter", 17))]
    )  # fmt: skip
    silent = silent_contacts(reminders, _answers([]), customers, AS_OF)
    assert silent.height == 3
    weights = {
        r["customer_id"]: r
        for r in payer_type_weights(customers, invoices, AS_OF, silent).iter_rows(named=True)
    }
    reminded, not_reminded = weights["C1"], weights["C2"]
    assert (reminded["unanswered"], not_reminded["unanswered"]) == (3, 0)
    assert reminded["ghost"] > not_reminded["ghost"]
    assert reminded["punctual"] < not_reminded["punctual"]
    assert reminded["forgetful"] < not_reminded["forgetful"]
    assert sum(reminded[t] for t in PAYER_TYPES) == pytest.approx(1.0)


def test_silent_contacts_without_their_columns_are_refused():
    customers = pl.DataFrame({"customer_id": ["C1"], "kind": ["consumer"]})
    empty = pl.DataFrame(
        schema={"customer_id": pl.Utf8, "due_date": pl.Date, "paid_on": pl.Date,
                "disputed": pl.Int64}
    )  # fmt: skip
    with pytest.raises(ValueError, match="silent contacts lack column.*step"):
        payer_type_weights(
            customers, empty, AS_OF, pl.DataFrame({"customer_id": ["C1"], "channel": ["sms"]})
        )
