"""Portal use and clicked/replied per channel: the definitions of docs/analytics.md."""

from __future__ import annotations

from datetime import date

import polars as pl

from creditflow.analytics.effect import CONTACT_SCHEMA
from creditflow.analytics.engagement import (
    CLICK_SCHEMA,
    EVENT_SCHEMA,
    REPLY_SCHEMA,
    engagement,
    portal_use,
)

AS_OF = date(2026, 3, 10)  # contacts sent 2025-11-26 .. 2026-02-24 are in the window


def _contacts(*rows: tuple[int, int, str, date]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"action_pk": a, "customer_pk": c, "channel": ch, "template": None, "tone": None,
             "step": None, "strategy_version": None, "currency": "EUR", "status": "sent",
             "sent_on": d, "cost_minor": None, "invoice_ids": []}
            for a, c, ch, d in rows
        ],
        schema=CONTACT_SCHEMA,
    )  # fmt: skip


def test_a_click_or_reply_counts_within_14_days_and_a_reply_only_on_the_same_channel():
    contacts = _contacts(
        (1, 10, "sms", date(2026, 2, 20)),  # clicked 02-21, replied by SMS 02-22
        (2, 11, "sms", date(2026, 2, 1)),  # clicked 15 days later: too late
        (3, 12, "email", date(2026, 2, 1)),  # the customer answered by SMS: not a reply
        (4, 13, "sms", date(2026, 2, 28)),  # sent less than 14 days before D: not counted
    )
    clicks = pl.DataFrame(
        {"action_pk": [1, 2, 4], "on": [date(2026, 2, 21), date(2026, 2, 16), date(2026, 3, 1)]},
        schema=CLICK_SCHEMA,
    )
    replies = pl.DataFrame(
        {"customer_pk": [10, 12], "channel": ["sms", "sms"],
         "on": [date(2026, 2, 22), date(2026, 2, 2)]},
        schema=REPLY_SCHEMA,
    )  # fmt: skip
    table = {r["channel"]: r for r in engagement(contacts, clicks, replies, AS_OF).to_dicts()}
    assert table["sms"]["contacts"] == 2
    assert (table["sms"]["clicked"], table["sms"]["replied"]) == (1, 1)
    assert table["sms"]["clicked_percent"] == 50.0
    assert (table["email"]["contacts"], table["email"]["replied"]) == (1, 0)


def test_portal_use_counts_events_and_customers_of_the_last_30_days():
    events = pl.DataFrame(
        {
            "kind": ["portal.login", "portal.login", "portal.login", "payment.started"],
            "customer_pk": [1, 1, 2, 1],
            "on": [date(2026, 3, 1), date(2026, 3, 9), date(2026, 2, 8), date(2026, 2, 9)],
        },
        schema=EVENT_SCHEMA,
    )
    use = {r["kind"]: (r["events"], r["customers"]) for r in portal_use(events, AS_OF).to_dicts()}
    # 02-08 is 30 days before D: outside D-29 .. D; 02-09 is inside
    assert use == {"portal.login": (2, 1), "portal.short_link_opened": (0, 0),
                   "payment.started": (1, 1)}  # fmt: skip
