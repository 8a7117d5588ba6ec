"""Figures over several seeds: the mean with the lowest and highest seed, per strategy.

One seed is one possible future of the same debtors; a handful of seeds shows how far
the figures of a strategy spread. `simulate_over_seeds` runs them; the rest is pure. The mean of each figure is a `StrategyOutcome` of its
own (amounts rounded to the cent, counts to whole numbers), so the DESIGN 4.8 contract
holds unchanged; the spread of each figure goes beside it under `ranges`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from creditflow.simulation.contact_history import calibrate_contacts
from creditflow.simulation.ledger_copy import copy_ledger, is_sqlite_file
from creditflow.simulation.simulator import StrategyOutcome, calibrate, simulate_strategies

__all__ = [
    "OutcomeRange",
    "Spread",
    "figure_rows",
    "outcome_ranges",
    "seed_list",
    "simulate_over_seeds",
]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Spread:
    """One figure over the seeds: mean, lowest and highest."""

    mean: Decimal
    low: Decimal
    high: Decimal

    def as_json(self, places: int = 2) -> dict[str, str]:
        """Mean, min and max as text with `places` decimals."""
        unit = Decimal(1).scaleb(-places)
        return {
            k: f"{v.quantize(unit, ROUND_HALF_EVEN)}"
            for k, v in (("mean", self.mean), ("min", self.low), ("max", self.high))
        }


def _spread(values: Sequence[Decimal]) -> Spread:
    return Spread(sum(values, Decimal(0)) / len(values), min(values), max(values))


def _keyed(rows: Sequence[dict[str, Any]]) -> dict[str, Spread]:
    keys = sorted({k for row in rows for k in row})
    return {k: _spread([Decimal(row.get(k, 0)) for row in rows]) for k in keys}


@dataclass(frozen=True)
class OutcomeRange:
    """One strategy over several seeds: the mean outcome and the spread of each figure."""

    mean: StrategyOutcome
    seeds: tuple[int, ...]
    collected: dict[str, Spread]
    open_at_end: dict[str, Spread]
    dso_days: Spread | None
    contacts: dict[str, Spread]
    cost: dict[str, Spread]
    charged_costs: dict[str, Spread]
    disputes: Spread
    opt_outs: Spread
    complaints: Spread
    collected_without_contact: dict[str, Spread]

    def as_json(self) -> dict[str, Any]:
        """The 4.8 shape of the mean outcome, plus `seeds` and `ranges` (mean, min, max)."""

        def money(spreads: dict[str, Spread]) -> dict[str, dict[str, str]]:
            return {c: s.as_json() for c, s in spreads.items()}

        return {
            **self.mean.as_json(),
            "seeds": list(self.seeds),
            "ranges": {
                "collected": money(self.collected),
                "open_at_end": money(self.open_at_end),
                "dso_days": None if self.dso_days is None else self.dso_days.as_json(1),
                "contacts": {ch: s.as_json(1) for ch, s in self.contacts.items()},
                "cost": money(self.cost),
                "charged_costs": money(self.charged_costs),
                "disputes": self.disputes.as_json(1),
                "opt_outs": self.opt_outs.as_json(1),
                "complaints": self.complaints.as_json(1),
                "collected_without_contact": money(self.collected_without_contact),
            },
        }


def _cents(spreads: dict[str, Spread]) -> dict[str, Decimal]:
    return {k: s.mean.quantize(CENT, ROUND_HALF_EVEN) for k, s in spreads.items()}


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_EVEN))


def _one_range(runs: Sequence[StrategyOutcome]) -> OutcomeRange:
    first = runs[0]
    collected = _keyed([r.collected for r in runs])
    weeks = [_cents(_keyed([r.weekly[i] for r in runs])) for i in range(len(first.weekly))]
    dsos = [Decimal(str(r.dso_days)) for r in runs if r.dso_days is not None]
    dso = _spread(dsos) if dsos else None
    contacts = _keyed([r.contacts for r in runs])
    spreads = {
        "open_at_end": _keyed([r.open_at_end for r in runs]),
        "cost": _keyed([r.cost for r in runs]),
        "charged_costs": _keyed([r.charged_costs for r in runs]),
        "collected_without_contact": _keyed([r.collected_without_contact for r in runs]),
    }
    disputes = _spread([Decimal(r.disputes) for r in runs])
    opt_outs = _spread([Decimal(r.opt_outs) for r in runs])
    complaints = _spread([Decimal(r.complaints) for r in runs])
    mean = StrategyOutcome(
        file=first.file,
        days=first.days,
        seed=first.seed,
        collected=_cents(collected),
        weekly=weeks,
        dso_days=None if dso is None else round(float(dso.mean), 1),
        contacts={ch: _whole(s.mean) for ch, s in contacts.items()},
        cost=_cents(spreads["cost"]),
        charged_costs=_cents(spreads["charged_costs"]),
        disputes=_whole(disputes.mean),
        opt_outs=_whole(opt_outs.mean),
        open_at_end=_cents(spreads["open_at_end"]),
        failed={reason: _whole(s.mean) for reason, s in _keyed([r.failed for r in runs]).items()},
        complaints=_whole(complaints.mean),
        collected_without_contact=_cents(spreads["collected_without_contact"]),
    )
    return OutcomeRange(
        mean=mean,
        seeds=tuple(r.seed for r in runs),
        collected=collected,
        dso_days=dso,
        contacts=contacts,
        disputes=disputes,
        opt_outs=opt_outs,
        complaints=complaints,
        **spreads,
    )


def outcome_ranges(per_seed: Sequence[Sequence[StrategyOutcome]]) -> list[OutcomeRange]:
    """Per strategy, its figures over the seeds; `per_seed[i]` is seed i's outcomes in order."""
    if not per_seed:
        raise ValueError("seeds: at least one seed's outcomes are needed")
    return [_one_range([run[index] for run in per_seed]) for index in range(len(per_seed[0]))]


def seed_list(first: int, count: int) -> list[int]:
    """The seeds of a run over `count` seeds: `first`, `first + 1`, ..."""
    return [first + i for i in range(count)]


def _text(spread: Spread, places: int) -> str:
    """`mean (min-max)`; a count's mean keeps one decimal when the seeds differ."""
    q = Decimal(1).scaleb(-places)
    low, high = (v.quantize(q, ROUND_HALF_EVEN) for v in (spread.low, spread.high))
    mean = spread.mean.quantize(Decimal("0.1") if places == 0 else q, ROUND_HALF_EVEN)
    if low == high:
        return f"{low}"
    return f"{mean} ({low}-{high})"


def _money_rows(
    label: str, ranges: Sequence[OutcomeRange], pick: str
) -> Iterable[tuple[str, list[str]]]:
    currencies = sorted({c for r in ranges for c in getattr(r, pick)})
    if not currencies:
        yield label, ["-" for _ in ranges]
    for currency in currencies:
        yield (
            f"{label} ({currency})",
            [
                _text(getattr(r, pick)[currency], 2) if currency in getattr(r, pick) else "-"
                for r in ranges
            ],
        )


def figure_rows(ranges: Sequence[OutcomeRange]) -> list[tuple[str, list[str]]]:
    """Every figure as (label, one text per strategy): `mean (min-max)` over the seeds."""
    rows: list[tuple[str, list[str]]] = []
    rows += _money_rows("collected", ranges, "collected")
    rows += _money_rows("collected without contact", ranges, "collected_without_contact")
    rows += _money_rows("open at the end", ranges, "open_at_end")
    rows.append(
        ("DSO at the end", ["-" if r.dso_days is None else _text(r.dso_days, 1) for r in ranges])
    )
    for channel in sorted({c for r in ranges for c in r.contacts}):
        rows.append(
            (
                f"contacts: {channel}",
                [_text(r.contacts[channel], 0) if channel in r.contacts else "0" for r in ranges],
            )
        )
    rows += _money_rows("contact cost", ranges, "cost")
    rows += _money_rows("collection costs charged", ranges, "charged_costs")
    rows.append(("disputes", [_text(r.disputes, 0) for r in ranges]))
    rows.append(("opt-outs", [_text(r.opt_outs, 0) for r in ranges]))
    rows.append(("complaints", [_text(r.complaints, 0) for r in ranges]))
    return rows


def simulate_over_seeds(
    source: Any,
    settings: Any,
    strategies: Sequence[tuple[str, str]],
    *,
    seeds: Sequence[int],
    **options: Any,
) -> list[OutcomeRange]:
    """`simulate_strategies` once per seed; per strategy its figures over the seeds.

    The ledger is copied and calibrated once (pass `calibration=` and `contact_effects=`
    when you have them).
    """
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    with tempfile.TemporaryDirectory(prefix="creditflow-ledger-") as folder:
        base = source if is_sqlite_file(source) else copy_ledger(source, Path(folder))
        try:
            if options.get("calibration") is None:
                options["calibration"] = calibrate(base, options["start"])
            if options.get("contact_effects") is None:
                options["contact_effects"] = calibrate_contacts(
                    base, options["start"], options["calibration"]
                )
            per_seed = [
                simulate_strategies(base, settings, strategies, seed=s, **options) for s in seeds
            ]
        finally:
            if base is not source:
                base.dispose()
    return outcome_ranges(per_seed)
