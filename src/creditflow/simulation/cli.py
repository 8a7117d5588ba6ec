"""`creditflow simulate ...`: synthetic ledgers, and strategies tried on simulated debtors."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from creditflow.commandline import DbOption, command_day, command_engine, command_settings
from creditflow.terminal import console

app = typer.Typer(
    help="Synthetic ledgers, and strategies tried on simulated debtors.", no_args_is_help=True
)


@app.callback()
def simulate() -> None:
    """Synthetic ledgers, and strategies tried on simulated debtors."""


@app.command()
def generate(
    customers: int = typer.Option(..., "--customers", min=1, help="Number of customers."),
    as_of: str = typer.Option(..., "--as-of", help="Day the ledger is as of (YYYY-MM-DD)."),
    out: Path = typer.Option(..., "--out", help="Folder for the CSV files."),
    seed: int = typer.Option(7, "--seed", help="Random seed; same seed, same ledger."),
    invoices_per_customer: float = typer.Option(
        5.0, "--invoices-per-customer", min=0.0, help="Average invoices per customer."
    ),
    traits: bool = typer.Option(
        False, "--traits", help="Also write traits.csv with each customer's hidden payer type."
    ),
) -> None:
    """Write customers.csv, invoices.csv and payments.csv of a sample Dutch company."""
    from creditflow.simulation.company import generate_company

    day = command_day(as_of) or date.today()
    started = time.perf_counter()
    ledger = generate_company(
        customers, invoices_per_customer=invoices_per_customer, as_of=day, seed=seed
    )
    written = ledger.write_csv(out, with_traits=traits)
    rows = {**ledger.counts(), "traits": ledger.traits.height}
    for name, path in written.items():
        typer.echo(f"{name:<10} {rows[name]:>9} rows  {path}")
    typer.echo(f"generated in {time.perf_counter() - started:.1f} s (seed {seed}, as of {day})")


def _prices(configured: dict[str, Decimal], values: list[str]) -> dict[str, Decimal]:
    """Contact prices: the shipped list, then `[analytics]` of creditflow.toml, then --price."""
    from creditflow.analytics.effect import channel_prices
    from creditflow.simulation.simulator import CONTACT_PRICES

    prices = dict(CONTACT_PRICES)
    per_contact = channel_prices(dict(configured)).per_contact_minor
    prices.update({ch: Decimal(minor).scaleb(-2) for ch, minor in per_contact.items()})
    for value in values:
        channel, _, amount = value.partition("=")
        try:
            price = Decimal(amount)
        except InvalidOperation:
            price = Decimal(-1)
        if channel not in CONTACT_PRICES or not price.is_finite() or price < 0:
            raise typer.BadParameter(
                f"{value!r}: write CHANNEL=EUR with a channel of {', '.join(CONTACT_PRICES)}",
                param_hint="--price",
            )
        prices[channel] = price
    return prices


@app.command("strategy")
def strategy_command(
    file: Path = typer.Argument(..., help="The strategy file to try (YAML)."),
    vs: Path | None = typer.Option(None, "--vs", help="Another strategy file to compare with."),
    days: int = typer.Option(90, "--days", min=1, max=730, help="Days to simulate."),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed; alone: that one seed, exactly (default 7)."
    ),
    seeds: int | None = typer.Option(
        None,
        "--seeds",
        min=1,
        max=50,
        help="Run this many seeds (from --seed on) and show mean (min-max); default 5.",
    ),
    start: str | None = typer.Option(None, "--start", help="First day (default today)."),
    price: list[str] = typer.Option([], "--price", help="Contact price, e.g. sms=0.09."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object (DESIGN 4.8)."),
    shipped_effects: bool = typer.Option(
        False,
        "--shipped-effects",
        help="Answer with the shipped channel and step effects, not the calibrated ones.",
    ),
    db: DbOption = None,
) -> None:
    """Run strategies on a private copy of the ledger with simulated debtors; nothing is sent."""
    from creditflow.simulation.behaviour import SHIPPED_EFFECTS
    from creditflow.simulation.calibration import calibration_summary
    from creditflow.simulation.contact_history import calibrate_contacts
    from creditflow.simulation.ranges import seed_list, simulate_over_seeds
    from creditflow.simulation.report import (
        calibration_json,
        contact_effects_json,
        show_calibration,
        show_contact_effects,
        show_outcomes,
        show_ranges,
    )
    from creditflow.simulation.simulator import calibrate
    from creditflow.strategy.schema import StrategyError

    files = [file, *([vs] if vs else [])]
    for path in files:
        if not path.is_file():
            console(stderr=True).print(f"no such file: {path}", markup=False)
            raise typer.Exit(2)
    first_day = command_day(start, "--start") or date.today()
    settings = command_settings(db)
    prices = _prices(dict(settings.analytics.prices), price)
    engine = command_engine(settings, migrate=False)
    strategies = [(str(p), p.read_text(encoding="utf-8")) for p in files]
    # --seed alone: exactly that seed; otherwise --seeds (default 5) seeds from --seed (7).
    runs = seed_list(
        7 if seed is None else seed, (1 if seed is not None else 5) if seeds is None else seeds
    )
    weights = calibrate(engine, first_day)
    effects = calibrate_contacts(engine, first_day, weights)
    used = replace(effects, effects=SHIPPED_EFFECTS) if shipped_effects else effects
    try:
        with _progress(not as_json, len(files) * days * len(runs)) as advance:
            ranges = simulate_over_seeds(
                engine, settings, strategies, seeds=runs, days=days, start=first_day,
                prices=prices, progress=advance, calibration=weights, contact_effects=used,
            )  # fmt: skip
    except StrategyError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        raise typer.Exit(1) from exc
    calibration = calibration_summary(weights)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "days": days,
                    "seed": runs[0],
                    "seeds": runs,
                    "start": first_day.isoformat(),
                    "strategies": [r.as_json() for r in ranges],
                    "calibration": calibration_json(calibration),
                    "contact_effects": {
                        **contact_effects_json(effects),
                        "used": "shipped" if shipped_effects else "calibrated",
                    },
                },
                ensure_ascii=False,
            )
        )
        return
    show_calibration(console(), calibration, first_day)
    show_contact_effects(console(), effects, first_day)
    if shipped_effects:
        console().print("--shipped-effects: the simulation answers with the shipped ones.\n")
    if len(runs) == 1:
        show_outcomes(console(), [r.mean for r in ranges], first_day)
    else:
        show_ranges(console(), ranges, first_day)


@contextmanager
def _progress(shown: bool, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar over the simulated days (to stderr), or nothing."""
    if not shown:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulating days", total=total)
        yield lambda n: bar.advance(task, n)
