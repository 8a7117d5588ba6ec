"""`creditflow demo`: the whole loop on a sample Dutch company.

Builds a sample ledger (a few hundred customers), imports it through the real
importers, then for each simulated day runs the collection run, dispatches what is
due through the sandbox channels (files in the outbox folder), lets the simulated
debtors respond (payments, promises, disputes, opt-outs) and books those responses
through the same services the portal and bank statements use.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Column, Table
from sqlalchemy import Engine, text

from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.config import Organisation, Settings
from creditflow.db import make_engine, transaction, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.models import Dispute, PromiseToPay, promise_invoice
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.ledger.service import add_event, ensure_organisation
from creditflow.money import Money
from creditflow.payments.payment_import import import_payment_file
from creditflow.simulation.behaviour import respond
from creditflow.simulation.company import generate_company, organisation
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
    for kind, importer in (
        ("customers", import_customers),
        ("invoices", import_invoices),
        ("payments", import_payment_file),
    ):
        summary = importer(engine, files[kind], settings)
        console.print(f"  import {kind}: {summary.line()}")
    traits = ledger.customers_with_traits()
    rng = np.random.default_rng(seed)
    daily: list[dict[str, Any]] = []
    due_payments: list[tuple[date, IncomingPayment]] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        now = datetime.combine(day, time(6, 0), tzinfo=UTC)
        booked = _book_payments_due(engine, due_payments, day, now)
        result = collection_run(engine, settings, day, now=now)
        report = _dispatch(engine, settings, day)
        sent = _sent_on(engine, day)
        answers = respond(sent, traits, day, rng) if sent.height else None
        responses = _book_responses(engine, answers, day, now, due_payments) if answers else {}
        daily.append(
            {
                "day": day,
                "decided": result.actions.height,
                "report": report,
                "paid_booked": booked,
                **responses,
            }
        )
    _print_summary(console, engine, daily, settings)
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


DISPATCH_AT = time(17, 0)


def _dispatch(engine: Engine, settings: Settings, day: date) -> Any:
    from creditflow.dispatch.worker import dispatch_due

    # The day's sending ends late in the afternoon, inside every customer's quiet hours
    # window here: contacts a run scheduled for later wait for the next day.
    until = datetime.combine(day, DISPATCH_AT, tzinfo=ZoneInfo("Europe/Amsterdam"))
    return dispatch_due(engine, settings, until=until, worker_id="demo", now=until)


def _sent_on(engine: Engine, day: date) -> pl.DataFrame:
    """Messages and calls sent on `day`, as the behaviour model reads them."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, a.channel, a.step, a.amount_due_minor, a.currency, "
                "a.invoice_numbers FROM action a JOIN customer c ON c.id = a.customer_id "
                "WHERE a.status IN ('sent', 'delivered') AND a.decided_on = :day"
            ),
            {"day": day.isoformat() if engine.dialect.name == "sqlite" else day},
        ).fetchall()
    import json

    records = [
        {
            "customer_id": r[0],
            "channel": r[1],
            "step": r[2],
            "amount_due": str(Money.of_minor(r[3], r[4]).amount),
            "currency": r[4],
            "invoices": json.loads(r[5]) if isinstance(r[5], str) else list(r[5]),
        }
        for r in rows
    ]
    return pl.DataFrame(records) if records else pl.DataFrame()


def _customer_pks(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT customer_id, id FROM customer")).fetchall())


def _book_payments_due(
    engine: Engine, due: list[tuple[date, IncomingPayment]], day: date, now: datetime
) -> int:
    """Book the simulated payments whose date has come (they arrive like bank transfers)."""
    ready = [p for d, p in due if d <= day]
    due[:] = [(d, p) for d, p in due if d > day]
    if ready:
        with engine.begin() as conn:
            record_payments(conn, ready, now)
            note_payments_on_handovers(conn, now)
    return len(ready)


def _book_responses(
    engine: Engine, answers: Any, day: date, now: datetime, due: list[tuple[date, IncomingPayment]]
) -> dict[str, int]:
    pks = _customer_pks(engine)
    for row in answers.payments.iter_rows(named=True):
        paid = (
            row["paid_at"]
            if isinstance(row["paid_at"], date)
            else date.fromisoformat(str(row["paid_at"]))
        )
        payment = IncomingPayment(
            payment_id=f"demo-{row['customer_id']}-{day.isoformat()}",
            amount=Money.parse(row["amount"], row["currency"]),
            paid_at=datetime.combine(paid, time(12, 0), tzinfo=UTC),
            customer_pk=pks.get(row["customer_id"]),
            method="ideal",
            source="demo",
        )
        due.append((paid, payment))
    with transaction(engine) as session:
        for row in answers.promises.iter_rows(named=True):
            customer_pk = pks[row["customer_id"]]
            promise = PromiseToPay(
                customer_id=customer_pk, promised_date=row["promised_date"], source="demo reply"
            )
            session.add(promise)
            session.flush()
            open_ids = (
                session.execute(
                    text("SELECT id FROM invoice WHERE customer_id = :c AND open_minor > 0"),
                    {"c": customer_pk},
                )
                .scalars()
                .all()
            )
            if open_ids:
                session.execute(
                    promise_invoice.insert(),
                    [{"promise_id": promise.id, "invoice_id": i} for i in open_ids],
                )
            add_event(
                session,
                customer_pk,
                "promise.made",
                f"promised to pay by {row['promised_date']}",
                direction="in",
            )
        for row in answers.disputes.iter_rows(named=True):
            customer_pk = pks[row["customer_id"]]
            invoice_id = session.execute(
                text("SELECT id FROM invoice WHERE invoice_number = :n"),
                {"n": row["invoice_number"]},
            ).scalar()
            if invoice_id is None:
                continue
            session.add(
                Dispute(
                    customer_id=customer_pk,
                    invoice_id=invoice_id,
                    reason=str(row["reason"])[:64],
                    source="demo reply",
                )
            )
            add_event(
                session,
                customer_pk,
                "dispute.opened",
                f"disputed {row['invoice_number']}",
                direction="in",
            )
        for row in answers.opt_outs.iter_rows(named=True):
            customer_pk = pks[row["customer_id"]]
            _opt_out(session, customer_pk, row["channel"], now)
    counts = answers.counts()
    return {k: int(v) for k, v in counts.items()}


def _opt_out(session: Any, customer_pk: int, channel: str, now: datetime) -> None:
    from creditflow.compliance.consent import record_opt_out

    record_opt_out(session, customer_pk, channel, source="demo reply", evidence="STOP", at=now)


def _print_summary(
    console: Console, engine: Engine, daily: list[dict[str, Any]], settings: Settings
) -> None:
    table = Table(
        Column("day", no_wrap=True),
        "decided",
        "sent",
        "tasks",
        "cancel",
        "paid",
        "promised",
        "disputed",
        "opt-out",
        title="Simulated days",
        box=None,
        header_style="bold underline",
    )
    for d in daily:
        report = d["report"]
        table.add_row(
            str(d["day"]),
            str(d["decided"]),
            str(report.sent),
            str(report.tasks),
            str(report.cancelled),
            str(d.get("payments", 0)),
            str(d.get("promises", 0)),
            str(d.get("disputes", 0)),
            str(d.get("opt_outs", 0)),
        )
    console.print(table)
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
