"""The pre-send re-check as a table of cases (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from creditflow.dispatch.facts import InvoiceState
from creditflow.dispatch.recheck import recheck

TODAY = date(2026, 1, 12)


def inv(number: str, open_minor: int = 10000, status: str = "open", **kw) -> InvoiceState:
    return InvoiceState(int(number[-1]), number, open_minor, status, **kw)


def check(invoices, kind="message", channel="email", **kw):
    return recheck(kind, channel, invoices, has_invoices=True, today=TODAY, **kw)


@pytest.mark.parametrize(
    ("invoices", "reason"),
    [
        ([inv("INV-1", 0, "paid")], "nothing left to remind of (paid: INV-1)"),
        ([inv("INV-1", 5000, "written_off")], "nothing left to remind of (paid: INV-1)"),
        ([inv("INV-1", status="disputed")], "nothing left to remind of (disputed: INV-1)"),
        ([inv("INV-1", disputed=True)], "nothing left to remind of (disputed: INV-1)"),
        ([inv("INV-1", promised_until=TODAY)], "nothing left to remind of (promise to pay: INV-1)"),
        ([inv("INV-1", plan_until=TODAY)], "nothing left to remind of (payment plan: INV-1)"),
        (
            [inv("INV-1", plan_requested=True)],
            "nothing left to remind of (payment plan requested: INV-1)",
        ),
        (
            [inv("INV-1", 0, "paid"), inv("INV-2", disputed=True)],
            "nothing left to remind of (paid: INV-1; disputed: INV-2)",
        ),
        ([], "the covered invoices no longer exist"),
    ],
)
def test_an_action_with_nothing_left_to_remind_of_is_cancelled(invoices, reason):
    assert check(invoices).cancel_reason == reason


def test_a_promise_whose_date_and_grace_have_passed_no_longer_holds_the_reminder():
    result = check([inv("INV-1", promised_until=date(2026, 1, 11))])
    assert not result.cancelled
    assert result.amount_due_minor == 10000


def test_partly_paid_sends_for_the_rest_with_the_new_amount():
    result = check([inv("INV-1", 0, "paid"), inv("INV-2", 4250)])
    assert not result.cancelled
    assert (result.invoice_numbers, result.amount_due_minor) == (("INV-2",), 4250)
    assert result.dropped == ("INV-1",)


@pytest.mark.parametrize(
    ("kind", "channel", "kw", "reason"),
    [
        ("message", "sms", {"opted_out_channels": ["sms"]}, "customer opted out of sms"),
        ("message", "email", {"do_not_contact": "deceased"}, "do not contact: deceased"),
        ("task", "call", {"do_not_contact": "handed_over"}, "do not contact: handed_over"),
        ("message", "email", {"opted_out_channels": ["sms"]}, None),
        ("escalation", "agency", {"do_not_contact": "cease_and_desist"}, None),
    ],
)
def test_contact_rules(kind, channel, kw, reason):
    assert check([inv("INV-1")], kind=kind, channel=channel, **kw).cancel_reason == reason


def test_an_action_without_invoices_is_checked_for_contact_rules_only():
    result = recheck("message", "email", [], has_invoices=False, today=TODAY)
    assert not result.cancelled and result.amount_due_minor is None


def test_the_confirmation_of_an_opt_out_goes_to_the_opted_out_channel():
    confirmation = recheck(
        "message",
        "sms",
        [],
        has_invoices=False,
        today=TODAY,
        opted_out_channels=["sms"],
        opt_out_confirmation=True,
    )
    reminder = check([inv("INV-1")], channel="sms", opted_out_channels=["sms"])
    assert not confirmation.cancelled
    assert reminder.cancel_reason == "customer opted out of sms"


def test_the_confirmation_of_an_opt_out_still_respects_do_not_contact():
    result = recheck(
        "message",
        "sms",
        [],
        has_invoices=False,
        today=TODAY,
        opted_out_channels=["sms"],
        do_not_contact="erased",
        opt_out_confirmation=True,
    )
    assert result.cancel_reason == "do not contact: erased"


@pytest.mark.parametrize(
    ("channel", "reason"),
    [
        ("review", None),  # internal work for a collector
        ("call", "do not contact: deceased"),  # a collector calls the debtor
        ("visit", "do not contact: deceased"),
    ],
)
def test_do_not_contact_cancels_tasks_that_reach_the_debtor_only(channel, reason):
    result = recheck(
        "task", channel, [], has_invoices=False, today=TODAY, do_not_contact="deceased"
    )
    assert result.cancel_reason == reason


@pytest.mark.parametrize(
    "state",
    [inv("INV-1", 0, "paid"), inv("INV-1", disputed=True), inv("INV-1", promised_until=TODAY)],
)
def test_an_action_without_invoice_ids_is_not_held_by_invoice_state(state):
    # confirmations name their invoices in the payload only; their states never reach here
    result = recheck("message", "email", [], has_invoices=False, today=TODAY)
    assert not result.cancelled
    assert (result.invoice_ids, result.amount_due_minor, result.dropped) == ((), None, ())
    assert check([state]).cancelled  # the same state does hold a reminder about it


@pytest.mark.parametrize(
    ("kind", "channel", "cancelled"),
    [("message", "letter", True), ("task", "call", True), ("task", "review", False)],
)
def test_a_plan_request_waiting_for_review_holds_contact_but_not_the_review_itself(
    kind, channel, cancelled
):
    result = check([inv("INV-1", plan_requested=True)], kind=kind, channel=channel)
    assert result.cancelled is cancelled
