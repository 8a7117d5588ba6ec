"""`creditflow sync moneybird [--once]`: sync with the accounting system.

Exit codes: 0 synced (rejected records are listed, the rest imported); 1 Moneybird
refused or could not be reached; 2 not configured, or a configuration error.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from creditflow.commandline import DbOption, command_engine, command_settings
from creditflow.config import ConfigError
from creditflow.terminal import console, show_config_error

LEASE = "schedule:moneybird"  # the same lease as the worker's job

app = typer.Typer(help="Sync with an accounting system.", no_args_is_help=True)


@app.callback()
def sync() -> None:
    """Sync with an accounting system."""


@app.command()
def moneybird(
    once: Annotated[
        bool, typer.Option("--once", help="Sync once and stop (else every every_minutes).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Contacts and sales invoices in, payments out, with [connectors.moneybird]."""
    from creditflow.connectors.moneybird.client import MoneybirdError, client_for
    from creditflow.connectors.moneybird.sync import sync_moneybird
    from creditflow.models import utcnow
    from creditflow.strategy.lease import RunInProgress, run_lease

    out, err = console(), console(stderr=True)
    settings = command_settings(db)
    config = settings.moneybird
    if config is None:
        err.print(
            "no [connectors.moneybird] section in the configuration; nothing to sync",
            markup=False,
        )
        raise typer.Exit(2)
    engine = command_engine(settings)
    while True:
        try:
            # the worker's lease: one sync at a time, so a payment is never pushed twice
            with run_lease(engine, utcnow().date(), name=LEASE), client_for(config) as client:
                report = sync_moneybird(engine, settings, client)
        except RunInProgress as exc:
            err.print(f"another Moneybird sync is under way: {exc}", markup=False)
            if once:
                raise typer.Exit(1) from exc
        except ConfigError as exc:
            show_config_error(err, exc)
            raise typer.Exit(2) from exc
        except MoneybirdError as exc:
            err.print(f"moneybird: {exc}", markup=False, highlight=False)
            if once:
                raise typer.Exit(1) from exc
        else:
            for line in report.lines():
                out.print(line, markup=False, highlight=False)
        if once:
            return
        try:
            time.sleep(config.every_minutes * 60)
        except KeyboardInterrupt:
            return
