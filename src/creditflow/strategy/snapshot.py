"""Load the snapshot the decision engine reads, from the ledger store.

`Snapshot` (in `snapshot_frames`, pure data: the engine's only input besides the
strategy and the day) is filled here by `load_snapshot` with a handful of set-based
queries.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection, select, text

from creditflow.ledger.open_invoices import of_customers_owing
from creditflow.outbox.reach import USABLE_POINT_SQL
from creditflow.store import read_frame, read_table_columns
from creditflow.strategy.snapshot_frames import (
    ACCOUNT_SCHEMA,
    CHARGED_SCHEMA,
    CUSTOMER_SCHEMA,
    HABIT_SCHEMA,
    INVOICE_SCHEMA,
    LETTER_SCHEMA,
    OUTCOME_SCHEMA,
    PAUSE_SCHEMA,
    Snapshot,
)

INVOICE_COLUMNS = (
    "i.id",
    "i.invoice_number",
    "i.customer_id",
    "i.currency",
    "i.due_date",
    "i.open_minor",
    "i.status",
    "COALESCE(d.level, 0)",
    "d.reached_on",
    "d.step",
    "i.issue_date",
    "i.amount_minor",
)


def _json_list(col: str) -> pl.Expr:
    return (
        pl.col(col)
        .fill_null("[]")
        .str.json_decode(pl.List(pl.Utf8))
        .fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))
    )


def load_snapshot(conn: Connection, as_of: date) -> Snapshot:
    """Read the snapshot for `as_of` from the ledger store (before anything is written)."""
    invoices = read_table_columns(
        conn,
        "invoice i LEFT JOIN invoice_dunning d ON d.invoice_id = i.id",
        dict(
            zip(
                INVOICE_SCHEMA,
                zip(INVOICE_COLUMNS, INVOICE_SCHEMA.values(), strict=True),
                strict=True,
            )
        ),
        "i.open_minor > 0 AND i.status IN ('open', 'disputed')",
        key="i.id",
        table="invoice",
    )
    customers = _customers_with_open_invoices(conn, invoices)
    reachable = _usable_points(conn, invoices)
    # Paying history of the customers the run looks at (those with open invoices).
    owing, owing_params = of_customers_owing(conn, "customer_id", invoices)
    history = read_frame(
        conn,
        "SELECT customer_id, AVG(CASE WHEN paid_on > due_date THEN "  # noqa: S608
        + _days_between("paid_on", "due_date", conn)
        + " ELSE 0 END), AVG(CASE WHEN paid_on <= due_date THEN 1.0 ELSE 0.0 END), COUNT(*) "
        f"FROM invoice WHERE status = 'paid' AND paid_on IS NOT NULL AND {owing} "
        "GROUP BY customer_id",
        {
            "customer_pk": pl.Int64,
            "avg_days_late": pl.Float64,
            "on_time_ratio": pl.Float64,
            "paid_count": pl.Int64,
        },
        owing_params,
    )
    broken = read_frame(
        conn,
        "SELECT customer_id, COUNT(*) FROM promise_to_pay WHERE status = 'broken' "
        "GROUP BY customer_id",
        {"customer_pk": pl.Int64, "broken_promises": pl.Int64},
    )
    history = history.join(broken, on="customer_pk", how="full", coalesce=True)
    disputes = read_frame(
        conn,
        "SELECT DISTINCT invoice_id FROM dispute WHERE status = 'open'",
        {"invoice_pk": pl.Int64},
    )
    promises = read_frame(
        conn,
        "SELECT p.customer_id, pi.invoice_id, p.promised_date FROM promise_to_pay p "
        "LEFT JOIN promise_invoice pi ON pi.promise_id = p.id WHERE p.status = 'active'",
        {"customer_pk": pl.Int64, "invoice_pk": pl.Int64, "promised_date": pl.Date},
    )
    plans = read_frame(
        conn,
        "SELECT pi.invoice_id, (SELECT MIN(i.due_date) FROM plan_installment i "
        "WHERE i.plan_id = p.id AND i.paid_minor < i.amount_minor) "
        "FROM payment_plan p JOIN plan_invoice pi ON pi.plan_id = p.id "
        "WHERE p.status = 'active'",
        {"invoice_pk": pl.Int64, "oldest_unpaid_due": pl.Date},
    )
    since = datetime.combine(as_of - timedelta(days=8), datetime.min.time(), tzinfo=UTC)
    contacts = read_frame(
        conn,
        "SELECT customer_id, COALESCE(sent_at, scheduled_at) FROM action "
        "WHERE kind IN ('message', 'task') AND status IN ('queued', 'sent', 'delivered', 'done') "
        "AND COALESCE(sent_at, scheduled_at) >= :since",
        {"customer_pk": pl.Int64, "at": pl.Datetime},
        {"since": since},
    )
    pending = read_frame(
        conn,
        "SELECT action_id, customer_id, currency, level, kind, legal FROM action "
        "WHERE status = 'queued' AND kind IN ('message', 'task') AND level > 0",
        {
            "action_id": pl.Utf8,
            "customer_pk": pl.Int64,
            "currency": pl.Utf8,
            "level": pl.Int64,
            "kind": pl.Utf8,
            "legal": pl.Utf8,
        },
    )
    return Snapshot(
        customers=customers,
        reachable=reachable,
        invoices=invoices,
        history=history,
        disputes=disputes,
        promises=promises,
        plans=plans,
        contacts=contacts,
        pending=pending,
        plan_requests=_plan_requests(conn, invoices),
        acted_today=read_frame(
            conn,
            "SELECT DISTINCT customer_id, currency FROM action "
            "WHERE decided_on = :as_of AND run_id IS NOT NULL",
            ACCOUNT_SCHEMA,
            {"as_of": as_of},
        ),
        letters=_sent_letters(conn, invoices),
        charged=read_frame(
            conn,
            "SELECT l.invoice_id, c.id, c.amount_minor FROM charge_invoice l "
            "JOIN charge c ON c.id = l.charge_id WHERE l.kind = 'collection_costs'",
            CHARGED_SCHEMA,
        ),
        channel_outcomes=read_frame(
            conn, "SELECT strategy, step, channel, sent, paid FROM channel_outcome", OUTCOME_SCHEMA
        ),
        habits=read_frame(
            conn, "SELECT customer_id, usual_minute FROM customer_habit", HABIT_SCHEMA
        ),
        pauses=read_frame(
            conn,
            "SELECT id, paused_until FROM customer "
            "WHERE paused_until IS NOT NULL AND paused_until >= :as_of",
            PAUSE_SCHEMA,
            {"as_of": as_of},
        ),
    )


def _plan_requests(conn: Connection, invoices: pl.DataFrame) -> pl.DataFrame:
    """Open invoices named in a payment plan request that waits for review.

    The requests are `outbox.service.plan_requests_waiting` (few rows: open review
    tasks), the same the pre-send re-check reads; they name invoices by number.
    """
    from creditflow.outbox.service import plan_requests_waiting

    named = pl.DataFrame(
        [
            (customer_pk, number)
            for customer_pk, numbers in conn.execute(plan_requests_waiting())
            for number in (json.loads(numbers) if isinstance(numbers, str) else numbers) or []
        ],
        schema={"customer_pk": pl.Int64, "invoice_number": pl.Utf8},
        orient="row",
    )
    return (
        invoices.join(named, on=["customer_pk", "invoice_number"], how="semi")
        .select("invoice_pk")
        .unique()
    )


def _sent_letters(conn: Connection, invoices: pl.DataFrame) -> pl.DataFrame:
    """The invoices named in 14-day letters that were sent to customers who still owe,
    with the posting day.

    Few rows (only sent 14-day letters), so the day is taken in each customer's zone here.
    """
    from creditflow.ledger.models import Customer
    from creditflow.outbox.models import Action

    owing, params = of_customers_owing(conn, "action.customer_id", invoices)
    rows = conn.execute(
        select(
            Action.action_id,
            Action.invoice_ids,
            Action.sent_at,
            Action.channel,
            Action.amount_due_minor,
            Action.currency,
            Customer.timezone,
        )
        .join(Customer, Customer.id == Action.customer_id)
        .where(
            Action.template == "fourteen_day_letter",
            Action.status.in_(("sent", "delivered")),
            Action.sent_at.is_not(None),
            Action.channel.in_(("letter", "post", "email")),
            text(owing).bindparams(**params),
        )
    ).all()
    out: list[tuple[str, int, date, str, int, str]] = []
    for action_id, invoice_ids, sent_at, channel, due_minor, currency, zone in rows:
        ids = json.loads(invoice_ids) if isinstance(invoice_ids, str) else invoice_ids
        if sent_at is None:
            continue
        sent_on = sent_at.astimezone(ZoneInfo(zone or "Europe/Amsterdam")).date()
        out.extend((action_id, pk, sent_on, channel, due_minor, currency) for pk in ids or [])
    return pl.DataFrame(out, schema=LETTER_SCHEMA, orient="row")


_CUSTOMER_SELECT = (
    "SELECT c.id, c.customer_id, c.kind, c.country, c.language, c.timezone, c.tags, "
    "c.segment, c.preferred_channel, c.preferred_hour, c.risk, c.do_not_contact, c.opt_out "
    "FROM customer c WHERE "
)
_POINT_SELECT = "SELECT customer_id, channel FROM contact_point WHERE " + USABLE_POINT_SQL + " AND "  # noqa: S608


def _customers_with_open_invoices(conn: Connection, invoices: pl.DataFrame) -> pl.DataFrame:
    """The customers the open invoices belong to."""
    owing, params = of_customers_owing(conn, "c.id", invoices)
    customers = read_frame(conn, _CUSTOMER_SELECT + owing, CUSTOMER_SCHEMA, params)
    return customers.with_columns(_json_list("tags"), _json_list("opt_out"))


def _usable_points(conn: Connection, invoices: pl.DataFrame) -> pl.DataFrame:
    """The usable contact points (customer_pk, channel) of the customers with open invoices."""
    owing, params = of_customers_owing(conn, "customer_id", invoices)
    schema = {"customer_pk": pl.Int64, "channel": pl.Utf8}
    return read_frame(conn, _POINT_SELECT + owing, schema, params).unique()


def _days_between(later: str, earlier: str, conn: Connection) -> str:
    if conn.dialect.name == "sqlite":
        return f"(julianday({later}) - julianday({earlier}))"
    return f"({later} - {earlier})"
