"""Stored figures: the DESIGN 4.6 figures per date and currency, and the forecast as made.

Written by the worker's `figures` job (and `creditflow report --store`), read by the
dashboard so a view computes at most its own date. Amounts are integer minor units;
days and percentages are integer tenths (76.4 days is 764), exact on both databases.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, UtcDateTime


class FiguresDay(Base):
    """One date whose figures are stored: when, and the ledger's fingerprint at that date.

    `fingerprint` summarises what the figures at `as_of` are computed from (invoices
    issued, payments and credit notes dated on or before it); a different fingerprint
    later means the ledger changed for that date and the figures are computed again;
    `checked_at` is when the fingerprint was last found unchanged (or computed).
    `forecast_at` is when the forecast made on `as_of` was stored (it is never redone),
    `forecast_method` how it was made (`own days late`, `risk model version 3`).
    """

    __tablename__ = "figures_day"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)  # fingerprint last compared
    forecast_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    forecast_method: Mapped[str | None] = mapped_column(String(64))  # Forecast.describe()


class FiguresCurrency(Base):
    """The contract figures of one currency at one stored date (`core.CurrencyFigures`)."""

    __tablename__ = "figures_currency"
    __table_args__ = (UniqueConstraint("as_of", "currency"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(ForeignKey("figures_day.as_of", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    open_minor: Mapped[int] = mapped_column(BigInteger)
    overdue_minor: Mapped[int] = mapped_column(BigInteger)
    aging_current_minor: Mapped[int] = mapped_column(BigInteger)
    aging_1_30_minor: Mapped[int] = mapped_column(BigInteger)
    aging_31_60_minor: Mapped[int] = mapped_column(BigInteger)
    aging_61_90_minor: Mapped[int] = mapped_column(BigInteger)
    aging_90_plus_minor: Mapped[int] = mapped_column(BigInteger)
    invoiced_90_minor: Mapped[int] = mapped_column(BigInteger)
    cei_open_start_minor: Mapped[int] = mapped_column(BigInteger)
    cei_invoiced_minor: Mapped[int] = mapped_column(BigInteger)
    dso_tenths: Mapped[int | None] = mapped_column(Integer)
    best_possible_dso_tenths: Mapped[int | None] = mapped_column(Integer)
    add_tenths: Mapped[int | None] = mapped_column(Integer)
    cei_tenths: Mapped[int | None] = mapped_column(Integer)
    countback_tenths: Mapped[int | None] = mapped_column(Integer)


class ForecastWeek(Base):
    """One week of the cash forecast as made on `made_on` (`forecast.cash_forecast`)."""

    __tablename__ = "forecast_week"
    __table_args__ = (UniqueConstraint("made_on", "currency", "week"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_on: Mapped[date] = mapped_column(ForeignKey("figures_day.as_of", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    week: Mapped[int] = mapped_column(Integer)  # 1-8, and 9 for later
    week_from: Mapped[date] = mapped_column(Date)
    expected_minor: Mapped[int] = mapped_column(BigInteger)
    invoices: Mapped[int] = mapped_column(Integer)
