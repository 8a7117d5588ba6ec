"""Back-test of the strategy simulator on a company whose debtors' true types are known.

A sample company (true payer types hidden in its traits) lives `--days` days under the
default strategy (the "truth", as the demo runs it). Then the simulator, calibrated
only on what the ledger shows at the halfway day, predicts the second half from there;
the truth carries on for real. Prints ONE JSON line with the collected cash of the
second half, predicted and actual, per currency, and the relative error. The prediction
is the mean over `--sim-seeds` seeds of the simulator (`simulation/ranges.py`), with
the lowest and highest seed beside it.

    .venv/bin/python bench/simulate_backtest.py --customers 1000 --days 40 --sim-seeds 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine, text

from creditflow.config import load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import IncomingPayment, import_payments
from creditflow.ledger.service import ensure_organisation
from creditflow.money import Money
from creditflow.simulation.answers import book_responses
from creditflow.simulation.behaviour import SHIPPED_EFFECTS, respond
from creditflow.simulation.company import generate_company, history_recorded_at
from creditflow.simulation.contact_history import calibrate_contacts
from creditflow.simulation.days import (
    book_payments_due,
    contacts_sent_on,
    dispatch_day,
    own_accord_due,
)
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.ledger_copy import copy_ledger
from creditflow.simulation.ranges import seed_list, simulate_over_seeds
from creditflow.simulation.schema import PAYER_TYPES
from creditflow.simulation.simulator import calibrate
from creditflow.strategy.run import collection_run
from creditflow.strategy.service import default_strategy_text


def _collected(
    engine: Engine,
    source: str,
    since: date,
    until: date,
    *,
    in_flight: bool = False,
    id_prefix: str = "",
) -> dict[str, Decimal]:
    """Paid from `since` to `until` in answer to contacts from `since` on (the id ends in
    the day of the answer): what the simulator, starting at `since`, can know about.
    With `in_flight`, also what debtors who answered before `since` paid after it;
    `id_prefix` keeps only payments whose id starts so (`demo-own-`: paid unprompted)."""
    answered = "" if in_flight else "AND substr(payment_id, -10) >= :a "
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT currency, SUM(amount_minor) FROM payment WHERE source = :s "
                f"AND paid_at >= :a AND paid_at < :b AND payment_id LIKE :p {answered}"
                "GROUP BY currency"
            ),
            {
                "s": source,
                "p": f"{id_prefix}%",
                "a": since.isoformat(),
                "b": until.isoformat(),
            },
        ).fetchall()
    return {c: Money.of_minor(int(m), c).amount for c, m in rows}


def _known_types(traits: pl.DataFrame) -> pl.DataFrame:
    """Calibration weights that are certain of each debtor's true payer type."""
    return traits.select(
        "customer_id",
        "kind",
        pl.lit(1, pl.Int64).alias("judged"),
        *((pl.col("payer_type") == t).cast(pl.Float64).alias(t) for t in PAYER_TYPES),
    )


def main() -> None:
    """Run the back-test and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--start", default="2026-03-02")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--company-seed", type=int, default=23)
    parser.add_argument("--sim-seeds", type=int, default=5, help="Simulator seeds to average.")
    parser.add_argument(
        "--true-types",
        action="store_true",
        help="Give the simulator the debtors' true payer types instead of calibrating: "
        "what is left of the error is the future's own randomness, not the calibration.",
    )
    parser.add_argument(
        "--shipped-effects",
        action="store_true",
        help="Answer with the shipped channel and step effects, not those calibrated "
        "on the ledger's contacts at the halfway day.",
    )
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    half = args.days // 2
    middle = start + timedelta(days=half)
    end = start + timedelta(days=args.days)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = replace(
            load_settings(),
            database_url=f"sqlite:///{folder / 'truth.db'}",
            outbox_dir=folder / "outbox",
            organisation=sample_organisation(),
        )
        truth = make_engine(settings.database_url)
        upgrade(truth)
        ensure_organisation(truth, settings)
        company = generate_company(
            args.customers, as_of=start - timedelta(days=1), seed=args.company_seed
        )
        files = company.write_csv(folder / "files")
        import_customers(truth, files["customers"], settings)
        import_invoices(truth, files["invoices"], settings)
        import_payments(truth, files["payments"], settings, recorded_at=history_recorded_at(start))
        traits = company.customers_with_traits()
        rng = np.random.default_rng(args.seed)
        due: list[tuple[date, IncomingPayment]] = []
        predicted: dict[str, Decimal] = {}
        predicted_range: dict[str, list[str]] = {}
        predicted_contacts: dict[str, int] = {}
        predicted_own: dict[str, Decimal] = {}
        for offset in range(args.days):
            day = start + timedelta(days=offset)
            if day == middle:
                snapshot = copy_ledger(truth, folder / "snapshot")
                weights = _known_types(traits) if args.true_types else calibrate(snapshot, middle)
                effects = calibrate_contacts(snapshot, middle, weights)
                if args.shipped_effects:
                    effects = replace(effects, effects=SHIPPED_EFFECTS)
                (spread,) = simulate_over_seeds(
                    snapshot, settings, [("default.yaml", default_strategy_text())],
                    seeds=seed_list(args.seed + 1, args.sim_seeds), days=args.days - half,
                    start=middle, workdir=folder / "simulation",
                    calibration=weights, contact_effects=effects,
                )  # fmt: skip
                predicted = dict(spread.mean.collected)
                predicted_range = {
                    c: [str(r.low), str(r.high)] for c, r in spread.collected.items()
                }
                predicted_contacts = dict(spread.mean.contacts)
                predicted_own = dict(spread.mean.collected_without_contact)
                snapshot.dispose()
            now = datetime.combine(day, time(6, 0), tzinfo=UTC)
            own_accord_due(truth, traits, day, args.seed, due, source="demo")
            book_payments_due(truth, due, day, now)
            collection_run(truth, settings, day, now=now)
            dispatch_day(truth, settings, day, kept=False)
            sent = contacts_sent_on(truth, day)
            if sent.height:
                book_responses(truth, respond(sent, traits, day, rng), day, now, due)
        actual = _collected(truth, "demo", middle, end)
        actual_all = _collected(truth, "demo", middle, end, in_flight=True)
        actual_own = _collected(truth, "demo", middle, end, in_flight=True, id_prefix="demo-own-")
        with truth.connect() as conn:
            actual_contacts = dict(
                conn.execute(
                    text(
                        "SELECT channel, COUNT(*) FROM action WHERE decided_on >= :m AND "
                        "status IN ('sent', 'delivered', 'done') AND kind IN ('message', 'task') "
                        "GROUP BY channel"
                    ),
                    {"m": middle.isoformat()},
                ).fetchall()
            )
    errors = {
        c: round(float((predicted.get(c, Decimal(0)) - a) / a), 3)
        for c, a in actual_all.items()
        if a
    }
    print(
        json.dumps(
            {
                "customers": args.customers,
                "days": args.days,
                "middle": middle.isoformat(),
                "sim_seeds": args.sim_seeds,
                "true_types": args.true_types,
                "effects": "shipped" if args.shipped_effects else "calibrated",
                "predicted_second_half": {c: str(a) for c, a in predicted.items()},
                "predicted_min_max": predicted_range,
                "actual_second_half": {c: str(a) for c, a in actual_all.items()},
                "relative_error": errors,
                "actual_answers_from_middle": {c: str(a) for c, a in actual.items()},
                "predicted_without_contact": {c: str(a) for c, a in predicted_own.items()},
                "actual_without_contact": {c: str(a) for c, a in actual_own.items()},
                "predicted_contacts": predicted_contacts,
                "actual_contacts": actual_contacts,
            }
        )
    )


if __name__ == "__main__":
    main()
