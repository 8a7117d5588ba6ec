"""`creditflow demo`: the whole loop on a sample Dutch company, a 90-day story.

Builds a sample ledger (a few hundred customers), imports it through the real
importers, then for each simulated day runs the collection run, dispatches what is
due through the sandbox channels (files in the outbox folder), lets the simulated
debtors respond (payments, promises, disputes, opt-outs) and books those responses
through the same services the portal and bank statements use. It prints the story
week by week (collected, contacts per channel, DSO) and leaves its database, with the
simulated dates, for `creditflow serve` to show.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from creditflow.config import Organisation, Settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import IncomingPayment
from creditflow.ledger.service import ensure_organisation
from creditflow.money import Money
from creditflow.payments.payment_import import import_payment_file
from creditflow.simulation.answers import book_responses
from creditflow.simulation.behaviour import respond
from creditflow.simulation.company import generate_company, history_recorded_at, organisation
from creditflow.simulation.days import (
    book_payments_due,
    contacts_sent_on,
    dispatch_day,
    own_accord_due,
)
from creditflow.simulation.demo_weeks import open_now, show_weeks, week_figures
from creditflow.strategy.run import collection_run

DEMO_MARKER = ".creditflow-demo"


class DemoRefused(ValueError):
    """The demo would overwrite something it did not make; the message says what."""


def demo_database_url(folder: Path) -> str:
    """The demo's own SQLite database inside its folder."""
    return f"sqlite:///{(folder / 'demo.db').resolve()}"


def _fresh_folder(folder: Path) -> None:
    """Empty a folder the demo made before; never touch a folder it did not make."""
    if folder.exists() and (folder / DEMO_MARKER).exists():
        shutil.rmtree(folder)
    elif folder.exists() and any(folder.iterdir()):
        raise DemoRefused(
            f"{folder}/ exists and was not made by the demo; remove it or give another --folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text("written by creditflow demo\n")


def _write_config(path: Path, settings: Settings, *, with_database: bool) -> None:
    """A configuration to carry on with the demo: its database, outbox and organisation."""
    import json
    from dataclasses import asdict

    def value(v: object) -> str:
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)  # a TOML integer (payment_term_days)
        return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string

    lines = [
        "# written by creditflow demo: CREDITFLOW_CONFIG=demo/creditflow.toml creditflow run",
        f"outbox_dir = {value(settings.outbox_dir.resolve())}",
        "",
        *(["[database]", f"url = {value(settings.database_url)}", ""] if with_database else []),
        "[organisation]",
        *(f"{k} = {value(v)}" for k, v in asdict(settings.organisation).items() if v),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _refuse_a_used_database(engine: Engine, url: str) -> None:
    """The demo adds hundreds of sample customers: only to an empty database."""
    with engine.connect() as conn:
        held = conn.execute(text("SELECT COUNT(*) FROM customer")).scalar_one()
    if held:
        raise DemoRefused(
            f"the database {_shown(url)} already holds {held} customers; the demo needs an "
            "empty one (without --db it uses its own, demo/demo.db)"
        )


def run_demo(
    settings: Settings,
    *,
    customers: int,
    days: int,
    folder: Path,
    console: Console,
    database_url: str | None = None,
    start: date | None = None,
    seed: int = 7,
) -> dict[str, Any]:
    """Run the demo and print a readable summary; returns the figures.

    The demo writes into `folder` (made afresh on every run: its sample files, the
    sandbox outbox and, unless `database_url` is given, its own SQLite database).
    It simulates `days` days from `start` (default: that many days before today), so
    that a `creditflow run` afterwards, today, carries on where the demo stopped.
    """
    start = start or date.today() - timedelta(days=days)
    own_database = database_url is None
    url = database_url or demo_database_url(folder)
    if not own_database:
        engine = make_engine(url)
        upgrade(engine)
        _refuse_a_used_database(engine, url)
        engine.dispose()
    _fresh_folder(folder)
    settings = replace(settings, database_url=url, outbox_dir=folder / "outbox")
    if not settings.organisation.iban:
        settings = replace(settings, organisation=sample_organisation())
    _write_config(folder / "creditflow.toml", settings, with_database=own_database)
    engine = make_engine(url)
    upgrade(engine)
    ensure_organisation(engine, settings)
    ledger = generate_company(customers, as_of=start, seed=seed)
    files = ledger.write_csv(folder)
    counts = ", ".join(f"{n} {what}" for what, n in ledger.counts().items())
    console.print(f"[bold]Sample company[/bold]: {counts} written to {folder}/", soft_wrap=True)
    for kind, summary in (
        ("customers", import_customers(engine, files["customers"], settings)),
        ("invoices", import_invoices(engine, files["invoices"], settings)),
        (
            "payments",
            import_payment_file(
                engine, files["payments"], settings, recorded_at=history_recorded_at(start)
            ),
        ),
    ):
        console.print(f"  import {kind}: {summary.line()}")
    traits = ledger.customers_with_traits()
    rng = np.random.default_rng(seed)
    daily: list[dict[str, Any]] = []
    open_at_week_end: list[dict[str, Decimal]] = []
    due_payments: list[tuple[date, IncomingPayment]] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        now = datetime.combine(day, time(6, 0), tzinfo=UTC)
        own_accord_due(engine, traits, day, seed, due_payments, source="demo")
        booked = book_payments_due(engine, due_payments, day, now)
        result = collection_run(engine, settings, day, now=now)
        report = dispatch_day(engine, settings, day)
        sent = contacts_sent_on(engine, day)
        answers = respond(sent, traits, day, rng) if sent.height else None
        responses = book_responses(engine, answers, day, now, due_payments) if answers else {}
        daily.append(
            {
                "day": day,
                "decided": result.actions.height,
                "report": report,
                "paid_booked": booked,
                **responses,
            }
        )
        if (offset + 1) % 7 == 0 or offset == days - 1:
            open_at_week_end.append(open_now(engine))
    show_weeks(console, week_figures(engine, start, days, open_at_week_end))
    _print_summary(console, engine, settings)
    engine.dispose()
    return {"days": daily}


def sample_organisation() -> Organisation:
    """The sample company as the creditor, for a demo without a configuration file."""
    sample = organisation()
    address = sample["address"]
    assert isinstance(address, dict)
    return Organisation(
        name=str(sample["name"]),
        iban=str(sample["iban"]),
        bic=str(sample["bic"]),
        address_line1=str(address["address_line1"]),
        postal_code=str(address["postal_code"]),
        city=str(address["city"]),
        country=str(address["country"]),
        email=str(sample["email"]),
        phone=str(sample["phone"]),
        website=str(sample["website"]),
        chamber_of_commerce=str(sample["kvk"]),
        vat_number=str(sample["vat_number"]),
        sender_email=str(sample["email"]),
    )


def _print_summary(console: Console, engine: Engine, settings: Settings) -> None:
    with engine.connect() as conn:
        by_channel = conn.execute(
            text(
                "SELECT channel, status, COUNT(*) FROM action GROUP BY channel, status "
                "ORDER BY channel, status"
            )
        ).fetchall()
        open_total = conn.execute(
            text(
                "SELECT currency, SUM(open_minor) FROM invoice WHERE open_minor > 0 "
                "GROUP BY currency"
            )
        ).fetchall()
        received = conn.execute(
            text(
                "SELECT currency, SUM(amount_minor) FROM payment WHERE source = 'demo' "
                "GROUP BY currency"
            )
        ).fetchall()
    channels = Table("channel", "status", "actions", title="Outbox")
    for channel, status, n in by_channel:
        channels.add_row(channel, status, str(n))
    console.print(channels)
    for currency, minor in open_total:
        console.print(f"open receivables: {Money.of_minor(int(minor), currency)}")
    for currency, minor in received:
        console.print(f"collected during the demo: {Money.of_minor(int(minor), currency)}")
    console.print(f"what the sandbox channels sent is in {settings.outbox_dir}/", soft_wrap=True)
    config = settings.outbox_dir.parent / "creditflow.toml"
    console.print("carry on from here, today (then dispatch, actions, ...):")
    console.print(f"  CREDITFLOW_CONFIG={config} creditflow run", soft_wrap=True, highlight=False)
