"""The daily collection run: snapshot -> decide -> outbox (`outbox.bulk`), in one transaction."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.db import session_factory
from creditflow.outbox.bulk import (
    insert_prepared_actions,
    prepare_run_actions,
    supersede_actions,
)
from creditflow.store import bulk_insert, db_value, json_id_array
from creditflow.strategy.engine import Decision, decide
from creditflow.strategy.experiment import decide_experiment
from creditflow.strategy.lease import run_lease
from creditflow.strategy.models import CollectionRun
from creditflow.strategy.schema import Strategy
from creditflow.strategy.service import active_strategy, challenger_strategy
from creditflow.strategy.snapshot import Snapshot, load_snapshot


@dataclass
class RunResult:
    """The outcome of a collection run."""

    as_of: date
    dry_run: bool
    run_id: int | None
    actions: pl.DataFrame
    superseded: int = 0
    skipped: pl.DataFrame = field(default_factory=pl.DataFrame)
    summary: dict[str, Any] = field(default_factory=dict)


def summarise(decision: Decision) -> dict[str, Any]:
    """Counts per kind, channel and step, plus what was held back and why."""
    actions = decision.actions

    def count(col: str) -> dict[str, int]:
        return dict(actions.group_by(col).len().sort(col).iter_rows()) if actions.height else {}

    skipped = (
        dict(decision.skipped.group_by("reason").len().iter_rows())
        if decision.skipped.height
        else {}
    )
    return {
        "actions": actions.height,
        "by_kind": count("kind"),
        "by_channel": count("channel"),
        "by_step": count("step"),
        "superseded": decision.superseded.height,
        "held_back": skipped,
        "invoices_covered": decision.invoice_levels.height,
    }


def collection_run(
    engine: Engine,
    settings: Settings,
    as_of: date,
    *,
    now: datetime,
    dry_run: bool = False,
    wait: float = 0.0,
    strategy: Strategy | None = None,
) -> RunResult:
    """Decide and queue today's actions; with dry_run nothing is written.

    One run at a time: a run that finds another under way waits up to `wait`
    seconds for it, then raises RunInProgress (a dry run reads and needs no lease).
    A dry run may try a `strategy` that is not active yet (the workbench's preview).
    """
    if dry_run:
        return _run(engine, settings, as_of, now=now, dry_run=True, candidate=strategy)
    if strategy is not None:
        raise ValueError("strategy: only a dry run may use a strategy that is not active")
    with run_lease(engine, as_of, wait=wait):
        return _run(engine, settings, as_of, now=now, dry_run=False)


def _run(
    engine: Engine,
    settings: Settings,
    as_of: date,
    *,
    now: datetime,
    dry_run: bool,
    candidate: Strategy | None = None,
) -> RunResult:
    session = session_factory(engine)()
    with session.begin():
        strategy, version_id = active_strategy(session)
        if candidate is not None:
            strategy = candidate
        if not dry_run:
            from creditflow.arrangements.plans import settle_payment_plans
            from creditflow.arrangements.service import detect_broken_promises

            detect_broken_promises(
                session, as_of, grace_days=settings.rules.promise_grace_days, now=now
            )
            settle_payment_plans(
                session,
                as_of,
                grace_days=settings.rules.plan_grace_days,
                reminder_days=settings.portal.plan_reminder_days,
                now=now,
            )
            session.flush()
        conn = session.connection()
        snapshot = with_risk(conn, load_snapshot(conn, as_of), as_of)
        challenger = challenger_strategy(session, strategy)
        if challenger is None:
            decision = decide(
                snapshot, strategy, as_of, now=now, rules=settings.rules, legal=settings.legal
            )
        else:
            decision = decide_experiment(
                snapshot, strategy, challenger, as_of,
                now=now, rules=settings.rules, legal=settings.legal,
            )  # fmt: skip
        summary = summarise(decision)
        if dry_run:
            actions = decision.actions.with_columns(pl.lit("planned").alias("status"))
            session.rollback()
            return RunResult(
                as_of, True, None, actions, decision.superseded.height, decision.skipped, summary
            )
        run = CollectionRun(
            as_of=as_of, strategy_version_id=version_id, dry_run=False, started_at=now
        )
        session.add(run)
        session.flush()
        _write(conn, decision, run.id, now)
        run.finished_at = datetime.now(now.tzinfo)
        run.summary = summary
    session.close()
    return RunResult(
        as_of,
        False,
        run.id,
        decision.actions,
        decision.superseded.height,
        decision.skipped,
        summary,
    )


def with_risk(conn: Any, snapshot: Snapshot, as_of: date) -> Snapshot:
    """The snapshot with each customer's `risk` scored now (intelligence.service)."""
    from creditflow.intelligence.service import customer_risk_for_run

    risk = customer_risk_for_run(conn, snapshot.invoices, as_of)
    customers = (
        snapshot.customers.drop("risk")
        .join(risk, on="customer_pk", how="left")
        .with_columns(pl.col("risk").fill_null(0.0))
        .select(snapshot.customers.columns)
    )
    return replace(snapshot, customers=customers)


def _write(conn: Any, decision: Decision, run_id: int, now: datetime) -> None:
    """Write actions, supersede older ones, raise invoice levels, book charges."""
    actions = decision.actions
    dialect = conn.dialect.name
    # The action rows are converted for the driver in a thread while the database
    # raises the invoice levels (the GIL is released while SQLite/PostgreSQL work).
    with ThreadPoolExecutor(max_workers=1) as converter:
        prepared = converter.submit(prepare_run_actions, actions, run_id, now, dialect)
        if decision.invoice_levels.height:
            _raise_levels(conn, decision.invoice_levels)
        insert_prepared_actions(conn, prepared.result())
    supersede_actions(conn, decision.superseded, now)
    charges = actions.filter((pl.col("kind") == "charge") & pl.col("charge_minor").is_not_null())
    if charges.height:
        bulk_insert(
            conn,
            "charge",
            [
                "customer_id",
                "kind",
                "amount_minor",
                "open_minor",
                "currency",
                "charged_on",
                "action_id",
                "description",
                "created_at",
            ],
            (
                (
                    r["customer_pk"],
                    r["charge"],
                    r["charge_minor"],
                    r["charge_minor"],
                    r["currency"],
                    r["decided_on"],
                    r["action_id"],
                    f"{r['charge']} on {', '.join(r['invoices'])}",
                    now,
                )
                for r in charges.iter_rows(named=True)
            ),
        )
        conn.execute(text(_LINK_CHARGES_SQL[dialect]), {"run_id": run_id})


# Each charge booked by this run is linked to the invoices of its action; the unique
# (invoice, kind) of charge_invoice makes the database refuse a second costs charge.
_LINK_CHARGES_SQL = {
    "postgresql": "INSERT INTO charge_invoice (charge_id, invoice_id, kind) "
    "SELECT c.id, CAST(j.value AS INTEGER), c.kind FROM charge c "
    "JOIN action a ON a.action_id = c.action_id "
    "CROSS JOIN LATERAL json_array_elements_text(CAST(a.invoice_ids AS json)) AS j(value) "
    "WHERE a.run_id = :run_id",
    "sqlite": "INSERT INTO charge_invoice (charge_id, invoice_id, kind) "
    "SELECT c.id, j.value, c.kind FROM charge c JOIN action a ON a.action_id = c.action_id, "
    "json_each(a.invoice_ids) j WHERE a.run_id = :run_id",
}


_RAISE_LEVEL_SQL = {
    "postgresql": "INSERT INTO invoice_dunning (invoice_id, level, step, reached_on) "
    "SELECT unnest(CAST(:ids AS BIGINT[])), :level, :step, :on_day "
    "ON CONFLICT (invoice_id) DO UPDATE SET level = excluded.level, step = excluded.step, "
    "reached_on = excluded.reached_on WHERE excluded.step <> invoice_dunning.step",
    "sqlite": "INSERT INTO invoice_dunning (invoice_id, level, step, reached_on) "
    "SELECT value, :level, :step, :on_day FROM json_each(:ids) WHERE true "
    "ON CONFLICT (invoice_id) DO UPDATE SET level = excluded.level, step = excluded.step, "
    "reached_on = excluded.reached_on WHERE excluded.step <> invoice_dunning.step",
}


def _raise_levels(conn: Any, levels: pl.DataFrame) -> None:
    """Raise the dunning level of covered invoices: one upsert per (level, step).

    The engine only raises an invoice to a step after the one it reached (by step id,
    so a revised strategy's levels may differ from the stored ones): a new step id wins.

    The invoice ids travel as one parameter (a JSON array read by SQLite's json_each,
    an array on PostgreSQL), so a million ids cost one statement, not a million; the
    narrow invoice_dunning table keeps those writes cheap.
    """
    dialect = conn.dialect.name
    on_day = db_value(levels.get_column("on").first(), dialect) if levels.height else None
    # ascending ids make the upsert a sweep through the tables' B-trees
    ordered = levels.sort("invoice_pk")
    for (level, step), group in ordered.group_by("level", "step", maintain_order=True):
        ids = group.get_column("invoice_pk")
        conn.execute(
            text(_RAISE_LEVEL_SQL[dialect]),
            {
                "level": level,
                "step": step,
                "on_day": on_day,
                "ids": ids.to_list() if dialect == "postgresql" else json_id_array(ids),
            },
        )
