"""Channel effectiveness and the not-contacted baseline, worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from creditflow.analytics import core, effect

D = date.fromisoformat
AS_OF = D("2026-03-10")  # contacts counted: sent 2025-11-27 .. 2026-02-24


def _contacts(*rows: tuple[int, str, str, str | None, str, int | None, list[int]]) -> pl.DataFrame:
    """(pk, channel, status, template, sent_on, cost, invoice pks)."""
    return pl.DataFrame(
        [
            {
                "action_pk": pk, "customer_pk": 1, "channel": channel, "template": template, "tone": "friendly",
                "step": f"step-{channel}", "strategy_version": "default v1", "currency": "EUR",
                "status": status, "sent_on": D(sent), "cost_minor": cost, "invoice_ids": ids,
            }
            for pk, channel, status, template, sent, cost, ids in rows
        ],
        schema=effect.CONTACT_SCHEMA,
    )  # fmt: skip


INVOICES = pl.DataFrame(
    [
        # 1, 2: contacted; 3: due 2026-02-01, never contacted, paid 2026-02-05;
        # 4: due 2026-02-10, never contacted, not paid
        (1, 1, "EUR", D("2026-01-01"), D("2026-01-31"), 10000, 0, D("2026-02-04")),
        (2, 1, "EUR", D("2026-01-01"), D("2026-01-31"), 20000, 0, D("2026-02-14")),
        (3, 1, "EUR", D("2026-01-02"), D("2026-02-01"), 5000, 0, D("2026-02-05")),
        (4, 1, "EUR", D("2026-01-11"), D("2026-02-10"), 8000, 8000, None),
    ],
    schema=core.INVOICE_SCHEMA,
    orient="row",
)
ALLOCATIONS = pl.DataFrame(
    [
        (1, 10000, D("2026-02-04"), None),  # 3 days after the sms of 02-01
        (2, 20000, D("2026-02-14"), None),  # 13 days after the email of 02-01
        (3, 5000, D("2026-02-05"), None),  # 4 days after its due date, no contact
    ],
    schema=core.ALLOCATION_SCHEMA,
    orient="row",
)


def test_channel_effectiveness_and_the_not_contacted_baseline():
    contacts = _contacts(
        (1, "sms", "delivered", "reminder", "2026-02-01", None, [1]),
        (2, "email", "sent", "reminder", "2026-02-01", None, [2]),
        (3, "email", "delivered", None, "2026-02-20", 5, [4]),  # provider reported 0.05
        (4, "letter", "sent", "letter", "2026-03-01", None, [4]),  # too recent: not counted
    )
    prices = effect.channel_prices({"sms": "0.08", "email": "0.01", "letter": "1.20"})
    table = effect.effectiveness(contacts, ALLOCATIONS, INVOICES, prices, AS_OF)
    rows = {(r["dimension"], r["value"]): r for r in table.iter_rows(named=True)}
    # sms: 1 contact, paid 100.00 within 7 days -> 100 %, 100 % ; 100.00 x 100 / 1
    # = 10000.00 per 100 contacts; cost 0.08 / 100.00 collected = 0.0008 per unit.
    sms = rows[("channel", "sms")]
    assert (sms["contacts"], sms["delivered"], sms["paid_7"], sms["paid_14"]) == (1, 1, 1, 1)
    assert sms["collected_per_100_minor"] == 1_000_000
    assert sms["cost_per_unit_collected"] == "0.0008"
    # email: 2 contacts (the letter of 03-01 is too recent); contact 2 paid 200.00 on day 13
    # (not within 7, within 14), contact 3 nothing. paid_7 0 %, paid_14 50.0 %,
    # 200.00 x 100 / 2 = 10000.00 per 100; cost 0.01 (configured) + 0.05 (reported)
    # = 0.06 / 200.00 = 0.0003.
    email = rows[("channel", "email")]
    assert (email["contacts"], email["sent"], email["delivered"]) == (2, 2, 1)
    assert (email["paid_7_percent"], email["paid_14_percent"]) == (0.0, 50.0)
    assert (email["collected_14_minor"], email["cost_minor"]) == (20000, 6)
    assert email["cost_per_unit_collected"] == "0.0003"
    assert ("channel", "letter") not in rows
    assert rows[("template", "(none)")]["contacts"] == 1
    assert rows[("strategy_version", "default v1")]["contacts"] == 3
    assert rows[("tone", "friendly")]["contacts"] == 3
    # baseline: due 2025-11-27 .. 2026-02-24 without a contact in the 14 days after the
    # due date: invoice 3 (paid 4 days after due: within 7) and 4 (contacted on 02-20,
    # 10 days after its due date: left out). Invoices 1 and 2 were contacted.
    base = rows[("baseline", "not contacted")]
    assert (base["contacts"], base["paid_7"], base["paid_14"]) == (1, 1, 1)
    assert base["collected_14_minor"] == 5000 and base["cost_per_unit_collected"] == "0.0000"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"fax": "1"}, "unknown setting(s) fax"),
        ({"sms": "cheap"}, "sms: 'cheap' is not a number"),
        ({"letter": "-1"}, "letter: '-1' must be 0 or more"),
    ],
)
def test_bad_channel_prices_name_the_setting(section: dict[str, str], message: str):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        effect.channel_prices(section)


def test_a_call_costs_its_minutes():
    prices = effect.channel_prices({"call_minute": "0.50", "call_minutes": "4"})
    assert prices.price("call") == 200 and prices.price("voice") == 200
    assert effect.channel_prices({"call_minute": "0.50"}).price("call") == 150  # 3 minutes
    assert prices.price("sms") == 0


def test_cash_forecast_uses_each_customers_own_days_late():
    from creditflow.analytics import forecast

    # As of 2026-03-10. Customer 1 paid invoice 1 (due 02-01) on 02-05: 4 days late.
    # Customer 2 paid invoice 2 (due 02-10) on 02-20: 10 days late. Overall: 7.
    # Open: invoice 3 (customer 1, due 03-20 + 4 = 03-24: 14 days ahead -> week 2),
    # invoice 4 (customer 3, no history: due 03-12 + 7 = 03-19: 9 days -> week 2),
    # invoice 5 (customer 2, due 01-01 + 10: passed -> week 1),
    # invoice 6 (customer 1, due 2026-06-30: far -> later).
    opened = pl.DataFrame(
        [
            (1, 1, "EUR", D("2026-01-01"), D("2026-02-01"), 1000, 0, D("2026-02-05"), 0),
            (2, 2, "EUR", D("2026-01-10"), D("2026-02-10"), 2000, 0, D("2026-02-20"), 0),
            (3, 1, "EUR", D("2026-02-18"), D("2026-03-20"), 3000, 3000, None, 3000),
            (4, 3, "EUR", D("2026-02-10"), D("2026-03-12"), 4000, 4000, None, 4000),
            (5, 2, "EUR", D("2025-12-01"), D("2026-01-01"), 5000, 5000, None, 5000),
            (6, 1, "EUR", D("2026-03-01"), D("2026-06-30"), 6000, 6000, None, 6000),
        ],
        schema={**core.INVOICE_SCHEMA, "open_at_minor": pl.Int64},
        orient="row",
    )
    weeks = forecast.cash_forecast(opened, AS_OF)
    got = {week: (minor, n) for _, week, _, minor, n in weeks.iter_rows() if n}
    assert got == {1: (5000, 1), 2: (7000, 2), 9: (6000, 1)}
    assert weeks.height == 9 and weeks["week_from"][1] == D("2026-03-18")
