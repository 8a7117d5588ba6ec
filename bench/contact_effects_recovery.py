"""Held-back history: does the calibration find a channel effect the truth was given?

A sample company lives `--days` days under the default strategy (the truth, as the
demo runs it) with one channel's pay effect multiplied by `--factor` (SMS x2 by
default). Then the channel and step effects are calibrated on that ledger as of the
last day, from what it shows (contacts, payments, promises, disputes, opt-outs) and
the payer-type weights learned from the invoices: no access to the true types or to
the factor. Prints ONE JSON line: per channel the contacts, the shipped and the
calibrated pay effect, and what the truth used.

With `--predict`, the held-back test: the effects are calibrated on the first half
only, and the simulator (mean of `--sim-seeds` seeds, default strategy) predicts the
cash of the second half twice, with the shipped and with the calibrated effects,
against what the truth collected then (as `simulate_backtest.py` counts it).

    .venv/bin/python bench/contact_effects_recovery.py --customers 1000 --days 40
    .venv/bin/python bench/contact_effects_recovery.py --customers 1000 --days 40 --predict
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time as clock
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, text

from creditflow.config import Settings, load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import IncomingPayment, import_payments
from creditflow.ledger.service import ensure_organisation
from creditflow.money import Money
from creditflow.simulation.answers import book_responses
from creditflow.simulation.behaviour import (
    CHANNEL_EFFECT,
    SHIPPED_EFFECTS,
    STEP_EFFECT,
    ContactEffects,
    respond,
)
from creditflow.simulation.company import generate_company, history_recorded_at
from creditflow.simulation.contact_history import calibrate_contacts
from creditflow.simulation.days import (
    book_payments_due,
    contacts_sent_on,
    dispatch_day,
)
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.ledger_copy import copy_ledger
from creditflow.simulation.ranges import seed_list, simulate_over_seeds
from creditflow.simulation.simulator import calibrate
from creditflow.strategy.run import collection_run
from creditflow.strategy.service import default_strategy_text


def truth_effects(channel: str, factor: float) -> ContactEffects:
    """The shipped effects with `channel`'s pay effect multiplied by `factor`."""
    pay, *rest = CHANNEL_EFFECT[channel]
    return ContactEffects(
        channel={**CHANNEL_EFFECT, channel: (pay * factor, *rest)}, step=dict(STEP_EFFECT)
    )  # type: ignore[dict-item]


def live_truth(
    folder: Path, settings: Settings, *, customers: int, days: int, start: date, seed: int,
    effects: ContactEffects, at_day: int | None = None,
    predict: Callable[[Engine, Settings, date], None] | None = None,
) -> Engine:  # fmt: skip
    """A sample company living `days` days under the default strategy; its engine.

    `predict(truth, day)` is called before day `at_day` is lived."""
    settings = replace(
        settings,
        database_url=f"sqlite:///{folder / 'truth.db'}",
        outbox_dir=folder / "outbox",
        organisation=sample_organisation(),
    )
    truth = make_engine(settings.database_url)
    upgrade(truth)
    ensure_organisation(truth, settings)
    company = generate_company(customers, as_of=start - timedelta(days=1), seed=seed)
    files = company.write_csv(folder / "files")
    import_customers(truth, files["customers"], settings)
    import_invoices(truth, files["invoices"], settings)
    import_payments(truth, files["payments"], settings, recorded_at=history_recorded_at(start))
    traits = company.customers_with_traits()
    rng = np.random.default_rng(seed)
    due: list[tuple[date, IncomingPayment]] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if offset == at_day and predict is not None:
            predict(truth, settings, day)
        now = datetime.combine(day, time(6, 0), tzinfo=UTC)
        book_payments_due(truth, due, day, now)
        collection_run(truth, settings, day, now=now)
        dispatch_day(truth, settings, day, kept=False)
        sent = contacts_sent_on(truth, day)
        if sent.height:
            book_responses(truth, respond(sent, traits, day, rng, effects), day, now, due)
    return truth


def collected(engine: Engine, since: date, until: date) -> dict[str, Decimal]:
    """What the truth's debtors paid from `since` to `until` (as simulate_backtest counts)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT currency, SUM(amount_minor) FROM payment WHERE source = 'demo' "
                "AND paid_at >= :a AND paid_at < :b GROUP BY currency"
            ),
            {"a": since.isoformat(), "b": until.isoformat()},
        ).fetchall()
    return {c: Money.of_minor(int(m), c).amount for c, m in rows}


def predictions(
    truth: Engine, settings: Settings, day: date, *, days: int, seeds: list[int], folder: Path
) -> dict[str, object]:
    """The simulator's cash from `day` on, with the shipped and the calibrated effects."""
    snapshot = copy_ledger(truth, folder / "snapshot")
    weights = calibrate(snapshot, day)
    calibrated = calibrate_contacts(snapshot, day, weights)
    shipped = replace(calibrated, effects=SHIPPED_EFFECTS)
    found: dict[str, object] = {
        "sms_pay_effect": calibrated.effects.channel["sms"][0],
        "contacts": {
            r["channel"]: r["contacts"] for r in calibrated.channels.iter_rows(named=True)
        },
    }
    for name, effects in (("shipped", shipped), ("calibrated", calibrated)):
        (spread,) = simulate_over_seeds(
            snapshot, settings, [("default.yaml", default_strategy_text())], seeds=seeds,
            days=days, start=day, workdir=folder / f"simulation-{name}", calibration=weights,
            contact_effects=effects,
        )  # fmt: skip
        found[name] = {c: str(a) for c, a in spread.mean.collected.items()}
        found[f"{name}_min_max"] = {
            c: [str(r.low), str(r.high)] for c, r in spread.collected.items()
        }
    snapshot.dispose()
    return found


def main() -> None:
    """Live the truth, calibrate on it, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--start", default="2026-03-02")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--channel", default="sms")
    parser.add_argument("--factor", type=float, default=2.0)
    parser.add_argument("--predict", action="store_true", help="The held-back prediction.")
    parser.add_argument("--sim-seeds", type=int, default=3)
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    end = start + timedelta(days=args.days)
    effects = truth_effects(args.channel, args.factor)
    began = clock.perf_counter()
    half = args.days // 2
    middle = start + timedelta(days=half)
    predicted: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:

        def predict(engine: Engine, settings: Settings, day: date) -> None:
            predicted.update(
                predictions(
                    engine, settings, day, days=args.days - half,
                    seeds=seed_list(args.seed + 1, args.sim_seeds), folder=Path(tmp),
                )
            )  # fmt: skip

        truth = live_truth(
            Path(tmp), load_settings(), customers=args.customers, days=args.days,
            start=start, seed=args.seed, effects=effects, at_day=half if args.predict else None,
            predict=predict,
        )  # fmt: skip
        lived = clock.perf_counter() - began
        calibrated = calibrate_contacts(truth, end, calibrate(truth, end))
        if args.predict:
            actual = collected(truth, middle, end)
            predicted["actual"] = {c: str(a) for c, a in actual.items()}
            for name in ("shipped", "calibrated"):
                guess = predicted[name]
                assert isinstance(guess, dict)
                predicted[f"error_{name}"] = {
                    c: round(float((Decimal(guess.get(c, "0")) - a) / a), 3)
                    for c, a in actual.items()
                    if a
                }
        truth.dispose()
    channels = {
        row["channel"]: {
            "contacts": row["contacts"],
            "paid": row["seen_pay"],
            "model_expects": row["expected_pay"],
            "shipped": row["shipped_pay"],
            "calibrated": row["calibrated_pay"],
            "truth": round(effects.channel.get(row["channel"], (1.0,))[0], 4),
        }
        for row in calibrated.channels.iter_rows(named=True)
        if row["contacts"]
    }
    steps = {
        row["step"]: {"contacts": row["contacts"], "shipped": row["shipped_pay"],
                      "calibrated": row["calibrated_pay"]}
        for row in calibrated.steps.iter_rows(named=True)
        if row["contacts"]
    }  # fmt: skip
    print(
        json.dumps(
            {
                "customers": args.customers,
                "days": args.days,
                "seed": args.seed,
                "truth": f"{args.channel} pay x {args.factor}",
                "channels": channels,
                "steps": steps,
                "level": calibrated.level,
                "seconds": round(lived, 1),
                **({"held_back": predicted} if args.predict else {}),
            }
        )
    )


if __name__ == "__main__":
    main()
