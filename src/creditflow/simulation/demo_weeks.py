"""The demo's story week by week: collected, contacts per channel and DSO, at 80 columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from rich.console import Console
from rich.table import Column, Table
from sqlalchemy import Engine, text

from creditflow.money import Money
from creditflow.simulation.simulator import dso_at

__all__ = ["WeekFigures", "billed_before", "open_now", "show_weeks", "week_figures"]

SHOWN_CHANNELS = ("email", "sms", "letter", "call")  # the rest is counted as "other"


@dataclass
class WeekFigures:
    """One week of the demo: from which day, collected, contacts per channel, DSO at its end."""

    start: date
    collected: dict[str, Decimal] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    dso_days: float | None = None


def _money(rows: list[tuple[str, int | None]]) -> dict[str, Decimal]:
    return {str(c): Money.of_minor(int(m or 0), str(c)).amount for c, m in rows if m is not None}


def open_now(engine: Engine) -> dict[str, Decimal]:
    """Open invoice amounts per currency, now."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT currency, SUM(open_minor) FROM invoice WHERE open_minor > 0 GROUP BY currency"
            )
        ).fetchall()
    return _money([(c, m) for c, m in rows])


def billed_before(engine: Engine, start: date) -> dict[str, Decimal]:
    """Invoiced in the 90 days up to `start`, per currency: the company's billing for DSO."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT currency, SUM(amount_minor) FROM invoice WHERE issue_date > :before "
                "AND issue_date <= :start GROUP BY currency"
            ),
            {"before": start - timedelta(days=90), "start": start},
        ).fetchall()
    return _money([(c, m) for c, m in rows])


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def week_figures(
    engine: Engine, start: date, days: int, open_at_week_end: list[dict[str, Decimal]]
) -> list[WeekFigures]:
    """Collected (demo payments) and contacts per week from the database; DSO per week's end."""
    weeks = [WeekFigures(start + timedelta(days=7 * i)) for i in range((days + 6) // 7)]
    end = start + timedelta(days=days - 1)
    with engine.connect() as conn:
        paid = conn.execute(
            text("SELECT currency, amount_minor, paid_at FROM payment WHERE source = 'demo'")
        ).fetchall()
        contacts = conn.execute(
            text(
                "SELECT channel, decided_on FROM action WHERE status IN ('sent', 'delivered', "
                "'done') AND kind IN ('message', 'task') AND channel IS NOT NULL "
                "AND decided_on BETWEEN :start AND :end"
            ),
            {"start": start, "end": end},
        ).fetchall()
    for currency, minor, paid_at in paid:
        index = min(max((_day(paid_at) - start).days // 7, 0), len(weeks) - 1)
        amount = Money.of_minor(int(minor), currency).amount
        weeks[index].collected[currency] = weeks[index].collected.get(currency, 0) + amount
    for channel, decided_on in contacts:
        index = min(max((_day(decided_on) - start).days // 7, 0), len(weeks) - 1)
        weeks[index].contacts[channel] = weeks[index].contacts.get(channel, 0) + 1
    billed = billed_before(engine, start)
    for week, open_amounts in zip(weeks, open_at_week_end, strict=False):
        week.dso_days = dso_at(open_amounts, billed)
    return weeks


def show_weeks(console: Console, weeks: list[WeekFigures]) -> None:
    """The weekly figures as one table that fits 80 columns."""
    currency = max(
        {c for w in weeks for c in w.collected} or {"EUR"},
        key=lambda c: sum(w.collected.get(c, Decimal(0)) for w in weeks),
    )
    table = Table(
        Column("week from", no_wrap=True),
        Column(f"collected {currency}", justify="right"),
        *(Column(ch, justify="right") for ch in SHOWN_CHANNELS),
        Column("other", justify="right"),
        Column("DSO", justify="right"),
        title="The demo week by week (contacts made per channel)",
        box=None,
        header_style="bold underline",
    )
    for week in weeks:
        other = sum(n for ch, n in week.contacts.items() if ch not in SHOWN_CHANNELS)
        table.add_row(
            str(week.start),
            f"{week.collected.get(currency, Decimal(0)):,.2f}",
            *(str(week.contacts.get(ch, 0)) for ch in SHOWN_CHANNELS),
            str(other),
            "-" if week.dso_days is None else f"{week.dso_days:.1f}",
        )
    table.add_row(
        "total",
        f"{sum((w.collected.get(currency, Decimal(0)) for w in weeks), Decimal(0)):,.2f}",
        *(str(sum(w.contacts.get(ch, 0) for w in weeks)) for ch in SHOWN_CHANNELS),
        str(sum(n for w in weeks for ch, n in w.contacts.items() if ch not in SHOWN_CHANNELS)),
        "",
        style="bold",
    )
    console.print(table)
