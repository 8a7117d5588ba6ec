"""The customers behind the channel effectiveness bars (pure, over frames), and every
text of the drill-down on the customer list has its Dutch."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from creditflow.analytics import core, effect
from creditflow.workbench import drill_down
from creditflow.workbench.i18n import texts

D = date.fromisoformat
AS_OF = D("2026-03-10")  # contacts counted: sent 2025-11-27 .. 2026-02-24

CONTACTS = pl.DataFrame(
    [  # pk, customer, channel, currency, sent on, invoices
        (1, 10, "sms", "EUR", D("2026-02-01"), [1]),
        (2, 11, "sms", "EUR", D("2025-11-27"), [2]),  # the window's first day: counted
        (3, 12, "sms", "EUR", D("2025-11-26"), [3]),  # the day before: not counted
        (4, 13, "sms", "EUR", D("2026-02-25"), [4]),  # too recent: not counted
        (5, 14, "email", "EUR", D("2026-02-24"), [5]),  # the window's last day
        (6, 15, "sms", "USD", D("2026-01-10"), [6]),  # another currency
        (7, 10, "sms", "EUR", D("2026-02-02"), [1]),  # the same customer again: listed once
    ],
    schema={k: effect.CONTACT_SCHEMA[k] for k in
            ("action_pk", "customer_pk", "channel", "currency", "sent_on", "invoice_ids")},
    orient="row",
).with_columns(*(pl.lit(None, dtype=t).alias(k) for k, t in effect.CONTACT_SCHEMA.items()
                 if k in ("template", "tone", "step", "strategy_version", "status", "cost_minor")))  # fmt: skip
INVOICES = pl.DataFrame(
    [  # pk, customer, currency, issued, due, amount, open, paid on
        (1, 10, "EUR", D("2026-01-01"), D("2026-01-31"), 100, 0, None),  # sms 02-01: contacted
        (2, 11, "EUR", D("2025-10-01"), D("2025-11-01"), 100, 100, None),  # due before the window
        (5, 14, "EUR", D("2026-01-01"), D("2026-02-20"), 100, 100, None),  # email 02-24: contacted
        (8, 16, "EUR", D("2026-01-01"), D("2026-02-01"), 100, 100, None),  # not contacted
        (9, 17, "EUR", D("2026-01-01"), D("2026-01-10"), 100, 100, None),  # contacted 02-01: > 14 d
        (10, 18, "EUR", D("2026-02-01"), D("2026-02-28"), 100, 100, None),  # due after the window
        (11, 19, "EUR", D("2026-01-01"), D("2026-02-01"), -50, -50, None),  # a credit: not counted
    ],
    schema=core.INVOICE_SCHEMA,
    orient="row",
)
LATE = pl.DataFrame(
    [(8, 17, "sms", "EUR", D("2026-02-01"), [9])],  # 22 days after invoice 9 fell due
    schema={k: CONTACTS.schema[k] for k in
            ("action_pk", "customer_pk", "channel", "currency", "sent_on", "invoice_ids")},
    orient="row",
)  # fmt: skip


@pytest.mark.parametrize(
    ("currency", "channel", "customers"),
    [
        ("EUR", "sms", [10, 11, 17]),
        ("EUR", "email", [14]),
        ("USD", "sms", [15]),
        ("EUR", effect.BASELINE, [16, 17]),
        ("USD", effect.BASELINE, []),
        ("EUR", "letter", []),
    ],
)
def test_the_customers_behind_a_channel_bar(currency: str, channel: str, customers: list[int]):
    contacts = pl.concat([CONTACTS, LATE], how="diagonal_relaxed")
    behind = effect.customers_behind(contacts, INVOICES, AS_OF)
    found = behind.filter((pl.col("currency") == currency) & (pl.col("channel") == channel))
    assert found.get_column("customer_pk").to_list() == customers


def test_the_customers_behind_the_bars_are_those_the_figure_counts():
    contacts = pl.concat([CONTACTS, LATE], how="diagonal_relaxed")
    allocations = pl.DataFrame(schema=core.ALLOCATION_SCHEMA)
    table = effect.effectiveness(contacts, allocations, INVOICES, effect.ChannelPrices({}), AS_OF)
    bars = table.filter(pl.col("dimension").is_in(["channel", "baseline"]))
    behind = effect.customers_behind(contacts, INVOICES, AS_OF)
    assert set(bars.select("currency", "value").iter_rows()) == set(
        behind.select("currency", "channel").unique().iter_rows()
    )
    counted = {(c, v): n for c, v, n in bars.select("currency", "value", "contacts").iter_rows()}
    assert counted[("EUR", "sms")] == 4  # 4 contacts (10 twice, 11, 17): 3 customers
    assert counted[("EUR", effect.BASELINE)] == 2  # invoices 8 and 9


def test_every_text_of_the_drill_down_has_its_dutch():
    page = Path(drill_down.__file__).parent / "templates" / "customers.html"
    shown = [m[1] for m in re.findall(r"""_\((["'])(.+?)\1""", page.read_text())]
    errors = re.findall(r'"([a-z][a-z_]*: [^"{]+)"', Path(drill_down.__file__).read_text())
    assert len(errors) >= 3
    ones = [f"{', '.join(k)}: expected only one of aging, paid or contacted" for k in
            (("aging", "paid"), ("aging", "contacted"), ("paid", "contacted"), drill_down.KINDS)]  # fmt: skip
    labels = [*drill_down.LABELS.values(), f"aging: expected one of {', '.join(drill_down.SETS)}"]
    wanted = [*shown, *errors, *ones, *labels]
    assert [t for t in wanted if "nl" not in texts().get(t, {})] == []
