"""Build engine snapshots from a few plain dicts, with sensible defaults."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from creditflow.strategy.snapshot_frames import (
    ACCOUNT_SCHEMA,
    CHARGED_SCHEMA,
    CUSTOMER_SCHEMA,
    INVOICE_SCHEMA,
    LETTER_SCHEMA,
    PLAN_REQUEST_SCHEMA,
    Snapshot,
)

CUSTOMER_DEFAULTS: dict[str, Any] = {
    "kind": "consumer",
    "country": "NL",
    "language": "nl",
    "timezone": "Europe/Amsterdam",
    "tags": [],
    "segment": None,
    "preferred_channel": None,
    "preferred_hour": None,
    "risk": 0.0,
    "do_not_contact": None,
    "opt_out": [],
}


def customer(pk: int, **values: Any) -> dict[str, Any]:
    """A customer row; `reach` lists the channels with a valid contact point."""
    row = {"customer_pk": pk, "customer_id": f"C{pk:03d}", **CUSTOMER_DEFAULTS, **values}
    row.setdefault("reach", ["email", "sms", "voice", "letter"])
    return row


def invoice(
    pk: int, customer_pk: int, due: date, amount: str = "100.00", **values: Any
) -> dict[str, Any]:
    """An open invoice row; amount in currency units as text."""
    whole, _, cents = amount.partition(".")
    return {
        "invoice_pk": pk,
        "invoice_number": values.pop("number", f"INV-{pk}"),
        "customer_pk": customer_pk,
        "currency": values.pop("currency", "EUR"),
        "due_date": due,
        "open_minor": int(whole) * 100 + int((cents or "0").ljust(2, "0")),
        "status": values.pop("status", "open"),
        "dunning_level": values.pop("level", 0),
        "dunning_on": values.pop("dunning_on", None),
        "dunning_step": values.pop("step", None),
    }


def snapshot(
    customers: list[dict[str, Any]],
    invoices: list[dict[str, Any]],
    *,
    history: list[dict[str, Any]] | None = None,
    disputes: list[int] | None = None,
    promises: list[tuple[int, int | None, date]] | None = None,
    plans: list[tuple[int, date | None]] | None = None,
    contacts: list[tuple[int, datetime]] | None = None,
    pending: list[tuple[str, int, str, int, str]] | None = None,
    plan_requests: list[int] | None = None,
    acted_today: list[tuple[int, str]] | None = None,
    letters: list[tuple[str, int, date, str, int]] | None = None,
    charged: list[tuple[int, int, int]] | None = None,
) -> Snapshot:
    """A Snapshot for the engine from plain rows.

    letters: (letter_id, invoice_pk, sent_on, channel, letter_due_minor) of sent
    14-day letters in EUR; charged: (invoice_pk, charge_id, amount_minor).
    """
    reach = [(c["customer_pk"], ch) for c in customers for ch in c["reach"]]
    cust_rows = [{k: c[k] for k in CUSTOMER_SCHEMA if k in c} for c in customers]
    schema = {**CUSTOMER_SCHEMA, "tags": pl.List(pl.Utf8), "opt_out": pl.List(pl.Utf8)}
    return Snapshot(
        customers=pl.DataFrame(cust_rows, schema=schema),
        reachable=pl.DataFrame(
            reach, schema={"customer_pk": pl.Int64, "channel": pl.Utf8}, orient="row"
        ),
        invoices=pl.DataFrame(invoices, schema=INVOICE_SCHEMA),
        history=pl.DataFrame(
            history or [],
            schema={
                "customer_pk": pl.Int64,
                "avg_days_late": pl.Float64,
                "on_time_ratio": pl.Float64,
                "paid_count": pl.Int64,
                "broken_promises": pl.Int64,
            },
        ),
        disputes=pl.DataFrame({"invoice_pk": disputes or []}, schema={"invoice_pk": pl.Int64}),
        promises=pl.DataFrame(
            promises or [],
            schema={"customer_pk": pl.Int64, "invoice_pk": pl.Int64, "promised_date": pl.Date},
            orient="row",
        ),
        plans=pl.DataFrame(
            plans or [], schema={"invoice_pk": pl.Int64, "oldest_unpaid_due": pl.Date}, orient="row"
        ),
        contacts=pl.DataFrame(
            contacts or [],
            schema={"customer_pk": pl.Int64, "at": pl.Datetime("us", "UTC")},
            orient="row",
        ),
        pending=pl.DataFrame(
            [(*row, None)[:6] for row in pending or []],
            schema={
                "action_id": pl.Utf8,
                "customer_pk": pl.Int64,
                "currency": pl.Utf8,
                "level": pl.Int64,
                "kind": pl.Utf8,
                "legal": pl.Utf8,
            },
            orient="row",
        ),
        plan_requests=pl.DataFrame({"invoice_pk": plan_requests or []}, schema=PLAN_REQUEST_SCHEMA),
        acted_today=pl.DataFrame(acted_today or [], schema=ACCOUNT_SCHEMA, orient="row"),
        letters=pl.DataFrame(
            [(*row, "EUR") for row in letters or []], schema=LETTER_SCHEMA, orient="row"
        ),
        charged=pl.DataFrame(charged or [], schema=CHARGED_SCHEMA, orient="row"),
    )
