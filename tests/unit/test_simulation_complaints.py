"""Complaints about the contacts themselves: more pressure, more complaints."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from creditflow.simulation.complaints import MAX_CHANCE, complaint_chance, complaints


@pytest.mark.parametrize(
    ("what", "payer", "channel", "step", "recent", "chance"),
    [
        ("one e-mail reminder to a forgetful payer", "forgetful", "email", "reminder_1", 1, 0.001),
        ("a pre-due nudge by e-mail counts half", "forgetful", "email", "pre_due_nudge", 1, 0.0005),
        ("an SMS is twice as intrusive as an e-mail", "forgetful", "sms", "reminder_1", 1, 0.002),
        ("a robocall most of all", "forgetful", "voice", "reminder_1", 1, 0.004),
        (
            "the collection costs step 2.5 times",
            "forgetful",
            "letter",
            "collection_costs",
            1,
            0.00125,
        ),
        ("a disputer three times", "disputer", "email", "reminder_1", 1, 0.003),
        ("a ghost hardly reads it", "ghost", "email", "reminder_1", 1, 0.0003),
        (
            "the third contact in a week: pressure 2.5",
            "forgetful",
            "email",
            "reminder_1",
            3,
            0.0025,
        ),
        ("an unknown channel counts as e-mail", "forgetful", "fax", "reminder_1", 1, 0.001),
    ],
)
def test_the_chance_of_a_complaint(what, payer, channel, step, recent, chance):
    assert complaint_chance(payer, channel, step, recent) == pytest.approx(chance)


def test_the_chance_is_capped():
    assert complaint_chance("disputer", "voice", "handover", 400) == MAX_CHANCE


@pytest.mark.parametrize(
    ("payer", "recent", "message"),
    [("angry", 1, "payer_type 'angry'"), ("ghost", 0, "at least 1")],
)
def test_bad_input_is_refused_with_the_reason(payer, recent, message):
    with pytest.raises(ValueError, match=message):
        complaint_chance(payer, "email", "reminder", recent)


def _day(n: int, recent: int, channel: str = "sms") -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = [f"C{i:05d}" for i in range(n)]
    contacts = pl.DataFrame(
        {
            "customer_id": ids,
            "channel": [channel] * n,
            "step": ["collection_costs"] * n,
            "contacts_7_days": [recent] * n,
        }
    )
    customers = pl.DataFrame({"customer_id": ids, "payer_type": ["disputer"] * n})
    return contacts, customers


def test_debtors_contacted_more_often_complain_more():
    calm = complaints(*_day(20_000, 1), np.random.default_rng(1))
    pressed = complaints(*_day(20_000, 4), np.random.default_rng(1))
    # chance 0.002 x 2.5 x 3 = 1.5%, and 3.25 times that under pressure
    assert 200 < calm.height < 400
    assert 3 * calm.height * 0.8 < pressed.height < 3.25 * calm.height * 1.2


def test_the_same_generator_gives_the_same_complaints():
    first = complaints(*_day(5_000, 2), np.random.default_rng(9))
    again = complaints(*_day(5_000, 2), np.random.default_rng(9))
    assert first.equals(again) and first.height > 0


def test_a_debtor_complains_once_a_day_about_the_first_contact():
    contacts = pl.DataFrame(
        {
            "customer_id": ["C1", "C1"],
            "channel": ["voice", "sms"],
            "step": ["handover", "handover"],
            "contacts_7_days": [400, 400],
        }
    )
    customers = pl.DataFrame({"customer_id": ["C1"], "payer_type": ["disputer"]})
    # chance 0.5 each; seed 2 draws 0.26 and 0.30: both contacts would make them complain
    found = complaints(contacts, customers, np.random.default_rng(2))
    assert found.rows() == [("C1", "voice", "handover")]


def test_no_contacts_no_complaints():
    contacts, customers = _day(0, 1)
    assert complaints(contacts, customers, np.random.default_rng(0)).height == 0


def test_a_contact_of_an_unknown_debtor_is_refused():
    contacts, _ = _day(1, 1)
    customers = pl.DataFrame({"customer_id": ["someone else"], "payer_type": ["ghost"]})
    with pytest.raises(ValueError, match="no payer_type for customer_id C00000"):
        complaints(contacts, customers, np.random.default_rng(0))


def test_a_contact_without_its_pressure_is_refused():
    contacts, customers = _day(1, 1)
    with pytest.raises(ValueError, match="contacts_7_days"):
        complaints(contacts.drop("contacts_7_days"), customers, np.random.default_rng(0))
