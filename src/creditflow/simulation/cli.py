"""`creditflow simulate ...`: write a synthetic company's ledger as import files."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(help="Synthetic ledgers for demos, tests and benchmarks.", no_args_is_help=True)


@app.callback()
def simulate() -> None:
    """Synthetic ledgers for demos, tests and benchmarks."""


def _as_of(text: str) -> date:
    """Parse --as-of, or stop with a usage error naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date YYYY-MM-DD", param_hint="--as-of"
        ) from exc


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

    day = _as_of(as_of)
    started = time.perf_counter()
    ledger = generate_company(
        customers, invoices_per_customer=invoices_per_customer, as_of=day, seed=seed
    )
    written = ledger.write_csv(out, with_traits=traits)
    rows = {**ledger.counts(), "traits": ledger.traits.height}
    for name, path in written.items():
        typer.echo(f"{name:<10} {rows[name]:>9} rows  {path}")
    typer.echo(f"generated in {time.perf_counter() - started:.1f} s (seed {seed}, as of {day})")
