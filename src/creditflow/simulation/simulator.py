"""`creditflow simulate strategy`: what a strategy would bring in, before it goes live.

Each strategy runs on its own private copy of the ledger (`ledger_copy`), with sandbox
channels and no payment provider, through the real collection run, contact and legal
rules and the dispatcher's pre-send re-checks, day by day. Simulated debtors answer
what was sent (`behaviour.respond`) and pay open invoices on their own without contact
(`own_accord`), their payer type drawn from their own history (`calibration`), the
effect of each channel and step learned from the ledger's contacts (`contact_effects`).
Every strategy of one comparison meets the same debtors with the same random numbers
(one seed), so a difference in the outcome is the strategy's.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.money import Money
from creditflow.simulation.answers import COMPLAINT, book_complaints, book_responses
from creditflow.simulation.behaviour import ContactEffects, respond
from creditflow.simulation.calibration import payer_type_weights, payer_types, silent_contacts
from creditflow.simulation.complaints import complaints
from creditflow.simulation.contact_effects import EffectsCalibration
from creditflow.simulation.contact_history import (
    calibrate_contacts,
    contact_history,
    reaches_debtor,
)
from creditflow.simulation.days import (
    book_payments_due,
    contact_pressure,
    contacts_sent_on,
    dispatch_day,
    own_accord_due,
    payments_in_flight,
)
from creditflow.simulation.ledger_copy import copy_ledger
from creditflow.store import read_frame

__all__ = ["CONTACT_PRICES", "StrategyOutcome", "calibrate", "dso_at", "simulate_strategies"]

SOURCE = "simulation"
# List prices per contact in euros, to compare strategies on cost; adjust to your
# contracts (`--price sms=0.09`). A call is a collector's few minutes.
CONTACT_PRICES: dict[str, Decimal] = {
    "email": Decimal("0.00"),
    "push": Decimal("0.00"),
    "sms": Decimal("0.08"),
    "whatsapp": Decimal("0.06"),
    "voice": Decimal("0.25"),
    "letter": Decimal("1.10"),
    "call": Decimal("3.00"),
}


@dataclass(frozen=True)
class StrategyOutcome:
    """What one strategy brought in over the simulated days (one seed)."""

    file: str
    days: int
    seed: int
    collected: dict[str, Decimal]
    weekly: list[dict[str, Decimal]]
    dso_days: float | None
    contacts: dict[str, int]
    cost: dict[str, Decimal]
    charged_costs: dict[str, Decimal]
    disputes: int
    opt_outs: int
    open_at_end: dict[str, Decimal] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)  # why messages failed, and how often
    complaints: int = 0
    # Of `collected`: what debtors paid on their own, without being contacted (own_accord.py).
    collected_without_contact: dict[str, Decimal] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The contract shape of DESIGN 4.8 (amounts as text), plus weekly figures."""
        return {
            "file": self.file,
            "collected": {c: f"{a:.2f}" for c, a in self.collected.items()},
            "dso_days": self.dso_days,
            "contacts": dict(self.contacts),
            "cost": {c: f"{a:.2f}" for c, a in self.cost.items()},
            "charged_costs": {c: f"{a:.2f}" for c, a in self.charged_costs.items()},
            "disputes": self.disputes,
            "opt_outs": self.opt_outs,
            "complaints": self.complaints,
            "open_at_end": {c: f"{a:.2f}" for c, a in self.open_at_end.items()},
            "failed": dict(self.failed),
            "collected_without_contact": {
                c: f"{a:.2f}" for c, a in self.collected_without_contact.items()
            },
            "collected_per_week": [
                {c: f"{a:.2f}" for c, a in week.items()} for week in self.weekly
            ],
        }


def simulate_strategies(
    source: Engine,
    settings: Settings,
    strategies: Sequence[tuple[str, str]],
    *,
    days: int,
    seed: int,
    start: date,
    prices: dict[str, Decimal] | None = None,
    workdir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    calibration: pl.DataFrame | None = None,
    contact_effects: EffectsCalibration | None = None,
) -> list[StrategyOutcome]:
    """Simulate each (name, strategy text) from `start` for `days` days; one outcome each.

    `calibration` is `calibrate(source, start)` and `contact_effects` is
    `calibrate_contacts(source, start, calibration)` when the caller has them already.
    """
    from creditflow.messages.render import available_templates
    from creditflow.strategy.schema import parse_strategy

    templates = set(available_templates())
    for name, content in strategies:
        parse_strategy(content, source=name, templates=templates)  # refuse before copying
    own_dir = workdir is None
    folder = workdir or Path(tempfile.mkdtemp(prefix="creditflow-simulate-"))
    try:
        weights = calibrate(source, start) if calibration is None else calibration
        types = payer_types(weights, seed)
        if contact_effects is None:
            contact_effects = calibrate_contacts(source, start, weights)
        outcomes = []
        for index, (name, content) in enumerate(strategies):
            copy = copy_ledger(source, folder / f"strategy-{index}")
            try:
                outcomes.append(
                    _simulate_one(
                        copy, settings, name, content, types, contact_effects.effects,
                        days=days, seed=seed, start=start, prices=prices or CONTACT_PRICES,
                        outbox=folder / f"strategy-{index}" / "outbox", progress=progress,
                    )
                )  # fmt: skip
            finally:
                copy.dispose()
        return outcomes
    finally:
        if own_dir:
            shutil.rmtree(folder, ignore_errors=True)


def calibrate(source: Engine, start: date) -> pl.DataFrame:
    """Each customer's payer type weights from their invoices and the contacts they left
    unanswered, as known at `start`."""
    with source.connect() as conn:
        customers = read_frame(
            conn,
            "SELECT customer_id, kind FROM customer",
            {"customer_id": pl.Utf8, "kind": pl.Utf8},
        )
        invoices = read_frame(
            conn,
            "SELECT c.customer_id, i.due_date, i.paid_on, "
            "CASE WHEN i.status = 'disputed' OR EXISTS (SELECT 1 FROM dispute d "
            "WHERE d.invoice_id = i.id) THEN 1 ELSE 0 END AS disputed "
            "FROM invoice i JOIN customer c ON c.id = i.customer_id "
            "WHERE i.issue_date <= :start",
            {"customer_id": pl.Utf8, "due_date": pl.Date, "paid_on": pl.Date, "disputed": pl.Int64},
            {"start": start},
        )
    invoices = invoices.with_columns(  # what was paid after the start is not known yet
        pl.when(pl.col("paid_on") > pl.lit(start)).then(None).otherwise(pl.col("paid_on"))
    )
    contacts, answers = contact_history(source, start)
    silent = silent_contacts(contacts, answers, customers, start)
    return payer_type_weights(customers, invoices, start, silent)


def _simulation_settings(settings: Settings, copy: Engine, outbox: Path) -> Settings:
    """The settings on the copy: sandbox channels, no payment provider, agency or model."""
    from creditflow.config import HandoverSettings, LlmSettings, PaymentsSettings

    return replace(
        settings,
        database_url=copy.url.render_as_string(hide_password=False),
        outbox_dir=outbox,
        channels={},
        providers={},
        payments=PaymentsSettings(),
        handover=HandoverSettings(),
        llm=LlmSettings(),
    )


def _simulate_one(
    copy: Engine,
    settings: Settings,
    name: str,
    content: str,
    types: pl.DataFrame,
    effects: ContactEffects,
    *,
    days: int,
    seed: int,
    start: date,
    prices: dict[str, Decimal],
    outbox: Path,
    progress: Callable[[int], None] | None,
) -> StrategyOutcome:
    from creditflow.strategy.run import collection_run
    from creditflow.strategy.service import activate_strategy

    sim_settings = _simulation_settings(settings, copy, outbox)
    with transaction(copy) as session:
        activate_strategy(session, content, name)
    rng = np.random.default_rng(seed)
    complaint_rng = np.random.default_rng([seed, 3])  # apart, so the answers draw as before
    # Its own generator, so the answers of the simulated days draw the same numbers.
    due = payments_in_flight(
        copy, types, start, np.random.default_rng([seed, 1]), source=SOURCE, effects=effects
    )
    for offset in range(days):
        day = start + timedelta(days=offset)
        now = datetime.combine(day, time(6, 0), tzinfo=UTC)
        # Debtors who pay on their own do so before the day's run can remind them.
        own_accord_due(copy, types, day, seed, due, source=SOURCE)
        book_payments_due(copy, due, day, now)
        collection_run(copy, sim_settings, day, now=now)
        dispatch_day(copy, sim_settings, day, kept=False)
        sent = contacts_sent_on(copy, day)
        if sent.height:
            book_responses(
                copy, respond(sent, types, day, rng, effects), day, now, due, source=SOURCE
            )
            pressed = sent.join(contact_pressure(copy, day), on="customer_id", how="left")
            pressed = pressed.with_columns(pl.col("contacts_7_days").fill_null(1))
            book_complaints(copy, complaints(pressed, types, complaint_rng), now)
        if progress is not None:
            progress(1)
    end = start + timedelta(days=days - 1)
    return _outcome(copy, name, start, end, days=days, seed=seed, prices=prices)


def _money(rows: Sequence[Any]) -> dict[str, Decimal]:
    return {str(c): Money.of_minor(int(m or 0), str(c)).amount for c, m in rows if m is not None}


def _outcome(
    copy: Engine,
    name: str,
    start: date,
    end: date,
    *,
    days: int,
    seed: int,
    prices: dict[str, Decimal],
) -> StrategyOutcome:
    window = {"start": start, "end": end, "source": SOURCE, "reply": f"{SOURCE} reply"}
    with copy.connect() as conn:
        paid = conn.execute(
            text(
                "SELECT currency, amount_minor, paid_at, payment_id FROM payment "
                "WHERE source = :source ORDER BY paid_at"
            ),
            window,
        ).fetchall()
        contacts = conn.execute(
            text(
                "SELECT channel, COUNT(*) FROM action WHERE status IN ('sent', 'delivered', 'done') "  # noqa: S608 - constants only
                "AND kind IN ('message', 'task')"
                " AND decided_on BETWEEN :start AND :end AND channel IS NOT NULL "
                f"AND {reaches_debtor('channel')} "
                "GROUP BY channel ORDER BY channel"
            ),
            window,
        ).fetchall()
        charged = conn.execute(
            text(
                "SELECT currency, SUM(amount_minor) FROM charge WHERE kind = 'collection_costs' "
                "AND charged_on BETWEEN :start AND :end GROUP BY currency"
            ),
            window,
        ).fetchall()
        disputes = conn.execute(
            text("SELECT COUNT(*) FROM dispute WHERE source = :reply"), window
        ).scalar_one()
        opt_outs = conn.execute(
            text("SELECT COUNT(*) FROM consent WHERE NOT granted AND source = :reply"), window
        ).scalar_one()
        complained = conn.execute(
            text("SELECT COUNT(*) FROM event WHERE kind = :kind AND occurred_at >= :since"),
            {"kind": COMPLAINT, "since": f"{start.isoformat()} 00:00:00"},
        ).scalar_one()
        failed = conn.execute(
            text(
                "SELECT error, COUNT(*) FROM action WHERE status = 'failed' "
                "AND decided_on BETWEEN :start AND :end GROUP BY error ORDER BY 2 DESC, 1"
            ),
            window,
        ).fetchall()
        open_end = conn.execute(
            text(
                "SELECT currency, SUM(open_minor) FROM invoice WHERE open_minor > 0 "
                "GROUP BY currency"
            )
        ).fetchall()
        billed = conn.execute(
            text(
                "SELECT currency, SUM(amount_minor) FROM invoice WHERE issue_date > :before "
                "AND issue_date <= :start GROUP BY currency"
            ),
            {"before": start - timedelta(days=90), "start": start},
        ).fetchall()
    collected: dict[str, Decimal] = {}
    unprompted: dict[str, Decimal] = {}
    weekly: list[dict[str, Decimal]] = [{} for _ in range((days + 6) // 7)]
    for currency, minor, paid_at, payment_id in paid:
        amount = Money.of_minor(int(minor), currency).amount
        collected[currency] = collected.get(currency, Decimal(0)) + amount
        if str(payment_id).startswith(f"{SOURCE}-own-"):
            unprompted[currency] = unprompted.get(currency, Decimal(0)) + amount
        paid_day = (
            paid_at.date()
            if isinstance(paid_at, datetime)
            else date.fromisoformat(str(paid_at)[:10])
        )
        week = weekly[min((paid_day - start).days // 7, len(weekly) - 1)]
        week[currency] = week.get(currency, Decimal(0)) + amount
    counted = {str(channel): int(n) for channel, n in contacts}
    total_cost = sum((prices.get(ch, Decimal(0)) * n for ch, n in counted.items()), Decimal(0))
    open_at_end = _money(open_end)
    return StrategyOutcome(
        file=name,
        days=days,
        seed=seed,
        collected=collected,
        weekly=weekly,
        dso_days=dso_at(open_at_end, _money(billed)),
        contacts=counted,
        cost={"EUR": total_cost.quantize(Decimal("0.01"))},
        charged_costs=_money(charged),
        disputes=int(disputes),
        opt_outs=int(opt_outs),
        open_at_end=open_at_end,
        failed={str(reason or "unknown"): int(n) for reason, n in failed},
        complaints=int(complained),
        collected_without_contact=unprompted,
    )


def dso_at(open_at_end: dict[str, Decimal], billed: dict[str, Decimal]) -> float | None:
    """Days of sales outstanding at the end, in the currency billed most.

    Open at the end / billed in the 90 days before the start x 90: the simulation books
    no new invoices, so the sales of the 90 days before the start stand for the
    company's billing. None when nothing was billed in those days.
    """
    if not billed or max(billed.values()) <= 0:
        return None
    currency = max(billed, key=lambda c: (billed[c], c))
    return round(float(open_at_end.get(currency, Decimal(0)) / billed[currency] * 90), 1)
