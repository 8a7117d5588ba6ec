"""A person pauses a customer's dunning until a day: the run and the re-check agree."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl
import pytest

from creditflow.config import ContactRules
from creditflow.dispatch.facts import InvoiceState
from creditflow.strategy.pause import PAUSE_REASONS, PAUSED, exclusions
from creditflow.strategy.snapshot_frames import PAUSE_SCHEMA

from .snapshots import customer, invoice, snapshot

TODAY = date(2026, 3, 10)
RULES = ContactRules()

# (case, paused until, invoice status, expected reason code)
CASES = [
    ("no pause", None, "open", None),
    ("paused until a later day", TODAY + timedelta(days=7), "open", PAUSED),
    ("paused until today (inclusive)", TODAY, "open", PAUSED),
    ("a pause that ended yesterday", TODAY - timedelta(days=1), "open", None),
    ("a dispute wins over a pause", TODAY + timedelta(days=7), "disputed", "disputed"),
]


def _run_form(paused_until: date | None, status: str) -> str | None:
    snap = snapshot([customer(1)], [invoice(1, 1, TODAY - timedelta(days=20), status=status)])
    pauses = [(1, paused_until)] if paused_until else []
    snap = replace(snap, pauses=pl.DataFrame(pauses, schema=PAUSE_SCHEMA, orient="row"))
    reasons: list[str | None] = exclusions(snap, TODAY, RULES).get_column("excluded").to_list()
    return reasons[0]


@pytest.mark.parametrize(("case", "until", "status", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_paused_customer_gets_no_reminder_from_the_run_nor_at_send_time(
    case, until, status, expected
):
    assert _run_form(until, status) == expected, case
    state = InvoiceState(1, "INV-1", 10000, status, paused_until=until)
    assert state.hold(TODAY) == (None if expected is None else PAUSE_REASONS[expected]), case


def test_a_pause_of_another_customer_pauses_nothing_here():
    snap = snapshot([customer(1), customer(2)], [invoice(1, 1, TODAY - timedelta(days=20))])
    other = pl.DataFrame([(2, TODAY + timedelta(days=5))], schema=PAUSE_SCHEMA, orient="row")
    assert exclusions(replace(snap, pauses=other), TODAY, RULES).get_column(
        "excluded"
    ).to_list() == [None]
