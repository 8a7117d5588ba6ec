"""The simulator's outcome as a reader sees it: side by side, at 80 columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Column, Table

from creditflow.money import Money
from creditflow.simulation.behaviour import OUTCOMES
from creditflow.simulation.contact_effects import MIN_CONTACTS, EffectsCalibration
from creditflow.simulation.ranges import OutcomeRange, figure_rows
from creditflow.simulation.schema import PAYER_TYPES
from creditflow.simulation.simulator import StrategyOutcome

__all__ = [
    "calibration_json",
    "contact_effects_json",
    "show_calibration",
    "show_contact_effects",
    "show_failures",
    "show_outcomes",
    "show_ranges",
]


def _amounts(amounts: dict[str, Decimal]) -> str:
    if not amounts:
        return "-"
    return "\n".join(str(Money(a, c)) for c, a in sorted(amounts.items()))


LABEL_WIDTH = 20


def show_outcomes(console: Console, outcomes: Sequence[StrategyOutcome], start: date) -> None:
    """Print the figures of each strategy side by side, then collected per week."""
    first = outcomes[0]
    end = start + timedelta(days=first.days - 1)
    names = [Path(o.file).name for o in outcomes]
    table = Table(
        Column("", max_width=LABEL_WIDTH),  # long labels wrap, so the figures need not
        *(Column(n, justify="right", overflow="fold") for n in names),
        title=f"Simulated {first.days} days, {start} to {end} (seed {first.seed})",
    )
    table.add_row("collected", *(_amounts(o.collected) for o in outcomes))
    table.add_row(
        "collected without contact", *(_amounts(o.collected_without_contact) for o in outcomes)
    )
    table.add_row("open at the end", *(_amounts(o.open_at_end) for o in outcomes))
    table.add_row(
        "DSO at the end",
        *("-" if o.dso_days is None else f"{o.dso_days:.1f} days" for o in outcomes),
    )
    channels = sorted({c for o in outcomes for c in o.contacts})
    for channel in channels:
        table.add_row(f"contacts: {channel}", *(str(o.contacts.get(channel, 0)) for o in outcomes))
    table.add_row("contact cost", *(_amounts(o.cost) for o in outcomes))
    table.add_row("collection costs charged", *(_amounts(o.charged_costs) for o in outcomes))
    table.add_row("disputes", *(str(o.disputes) for o in outcomes))
    table.add_row("opt-outs", *(str(o.opt_outs) for o in outcomes))
    table.add_row("complaints", *(str(o.complaints) for o in outcomes))
    console.print(table)
    weeks = Table(
        Column("week from", no_wrap=True),
        *(Column(n, justify="right", overflow="fold") for n in names),
        title="Collected per week",
    )
    for index in range(len(first.weekly)):
        weeks.add_row(
            str(start + timedelta(days=7 * index)),
            *(_amounts(o.weekly[index]) for o in outcomes),
        )
    console.print(weeks)
    console.print(
        "Nothing was sent: each strategy ran on a private copy of the ledger with "
        "sandbox channels and simulated debtors.",
        style="dim",
    )
    show_failures(console, outcomes)


def show_ranges(console: Console, ranges: Sequence[OutcomeRange], start: date) -> None:
    """Print each figure as mean (lowest-highest) over the seeds, strategies side by side."""
    first = ranges[0].mean
    end = start + timedelta(days=first.days - 1)
    seeds = ranges[0].seeds
    names = [Path(r.mean.file).name for r in ranges]
    table = Table(
        Column("", max_width=LABEL_WIDTH),  # long labels wrap, so the figures need not
        *(Column(n, justify="right", overflow="fold") for n in names),
        title=f"Simulated {first.days} days, {start} to {end}, mean (min-max) over "
        f"{len(seeds)} seeds ({seeds[0]}-{seeds[-1]})",
    )
    for label, values in figure_rows(ranges):
        table.add_row(label, *values)
    console.print(table)
    weeks = Table(
        Column("week from", no_wrap=True),
        *(Column(n, justify="right", overflow="fold") for n in names),
        title="Collected per week (mean over the seeds)",
    )
    for index in range(len(first.weekly)):
        weeks.add_row(
            str(start + timedelta(days=7 * index)),
            *(_amounts(r.mean.weekly[index]) for r in ranges),
        )
    console.print(weeks)
    console.print(
        "Nothing was sent: each strategy ran on a private copy of the ledger with "
        "sandbox channels and simulated debtors. --seed N alone gives one exact seed.",
        style="dim",
    )
    show_failures(console, [r.mean for r in ranges])


def show_calibration(console: Console, summary: pl.DataFrame, start: date) -> None:
    """Print who the simulated debtors are: per kind, how many and the payer type mix."""
    kinds = summary.rows(named=True)
    table = Table(
        Column("", no_wrap=True),
        *(Column(str(k["kind"]), justify="right") for k in kinds),
    )
    console.print(
        f"Debtors calibrated on their invoices and contacts up to {start}:",
        markup=False,
        highlight=False,
    )
    table.add_row("debtors", *(f"{k['debtors']:,}" for k in kinds))
    table.add_row("with history", *(f"{k['with_history']:,}" for k in kinds))
    table.add_row("unanswered", *(f"{k['contacts_unanswered']:,}" for k in kinds))
    for payer_type in PAYER_TYPES:
        table.add_row(payer_type, *(f"{k[payer_type]:.0%}" for k in kinds))
    console.print(table)
    console.print(
        "With history: debtors with paid or overdue invoices to learn from; the others "
        "get the shipped mix of their kind. Unanswered: contacts nobody answered (no "
        "payment, promise, dispute or opt-out), which point to payers who ignore reminders.\n",
        style="dim",
        markup=False,
        highlight=False,
    )


def calibration_json(summary: pl.DataFrame) -> list[dict[str, object]]:
    """The calibration per kind for `--json`: counts and each payer type's share."""
    return [
        {
            "kind": row["kind"],
            "debtors": row["debtors"],
            "with_history": row["with_history"],
            "invoices_judged": row["invoices_judged"],
            "contacts_unanswered": row["contacts_unanswered"],
            "payer_types": {t: round(float(row[t]), 4) for t in PAYER_TYPES},
        }
        for row in summary.iter_rows(named=True)
    ]


def show_contact_effects(console: Console, calibrated: EffectsCalibration, start: date) -> None:
    """Print how a contact on each channel and step pays: shipped and calibrated effect."""
    if not int(calibrated.channels["contacts"].sum()):
        console.print(
            f"No contacts before {start} to learn the channel and step effects from: "
            "the shipped effects are used.\n",
            style="dim",
            markup=False,
            highlight=False,
        )
        return
    console.print(
        f"Contacts calibrated on what followed them up to {start}:", markup=False, highlight=False
    )
    for name, frame in (("channel", calibrated.channels), ("step", calibrated.steps)):
        table = Table(
            Column(name, no_wrap=True),
            *(
                Column(c, justify="right")
                for c in ("contacts", "paid", "model expects", "shipped", "calibrated")
            ),
        )
        for row in frame.filter(pl.col("contacts") > 0).iter_rows(named=True):
            table.add_row(
                str(row[name]),
                f"{row['contacts']:,}",
                f"{row['seen_pay']:,.0f}",
                f"{row['expected_pay']:,.1f}",
                f"{row['shipped_pay']:.2f}",
                f"{row['calibrated_pay']:.2f}",
            )
        console.print(table)
    console.print(
        "Paid: contacts followed by a payment in the channel's answer window; model "
        "expects: the shipped model, for the same debtors. The pay effects are relative "
        f"to an e-mail reminder; with fewer than {MIN_CONTACTS} contacts the shipped effect "
        f"stays. All contacts were paid {calibrated.level['pay']:.2f} x what the model "
        "expects (the payer types carry that).\n",
        style="dim",
        markup=False,
        highlight=False,
    )


def contact_effects_json(calibrated: EffectsCalibration) -> dict[str, object]:
    """The calibrated channel and step effects for `--json`: per outcome, with counts."""

    def rows(frame: pl.DataFrame, name: str) -> list[dict[str, object]]:
        return [
            {
                name: row[name],
                "contacts": row["contacts"],
                "seen": {o: row[f"seen_{o}"] for o in OUTCOMES},
                "expected": {o: row[f"expected_{o}"] for o in OUTCOMES},
                "shipped": {o: row[f"shipped_{o}"] for o in OUTCOMES},
                "calibrated": {o: row[f"calibrated_{o}"] for o in OUTCOMES},
            }
            for row in frame.iter_rows(named=True)
        ]

    return {
        "channels": rows(calibrated.channels, "channel"),
        "steps": rows(calibrated.steps, "step"),
        "level": dict(calibrated.level),
    }


def show_failures(console: Console, outcomes: Sequence[StrategyOutcome]) -> None:
    """Warn about messages that could not be sent: live, they would fail the same way."""
    for outcome in outcomes:
        if not outcome.failed:
            continue
        total = sum(outcome.failed.values())
        console.print(
            f"{Path(outcome.file).name}: {total} messages could not be sent in the "
            "simulation and would fail the same way live:",
            style="bold red",
            markup=False,
            highlight=False,
        )
        worst = sorted(outcome.failed.items(), key=lambda item: (-item[1], item[0]))
        for reason, count in worst[:5]:
            console.print(f"  {count} x {reason}", markup=False, highlight=False)
