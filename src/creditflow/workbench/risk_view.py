"""The customer page's late-payment risk: per open invoice, and why, in plain words.

One read of the customer's invoices, scored by the newest model (or the shipped
prior) and taken apart by intelligence/explain.py. English source texts here, Dutch
in words/risk.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from creditflow.intelligence.customer_scores import explain_scored, score_customers, usable_model
from creditflow.intelligence.explain import Factor, shown_value
from creditflow.intelligence.scoring import customer_risk

__all__ = ["FACTOR_WORDS", "FactorWords", "InvoiceRisk", "RiskView", "factor_words", "risk_view"]

# feature -> (words when the value is high or positive, words when it is low or negative)
FACTOR_WORDS: dict[str, tuple[str, str]] = {
    "history_count": ("{n} invoices paid before", "{n} invoices paid before"),
    "late_share": ("Paid late on about {pct}% of past invoices",) * 2,
    "recent_late_share": ("Paid late on about {pct}% of the latest invoices",) * 2,
    "mean_days_late": ("On average {days} days late",) * 2,
    "mean_pay_offset": (
        "Usually pays {days} days after the due date",
        "Usually pays {days} days before the due date",
    ),
    "last_days_late": ("Last payment {days} days late", "Last payment on time"),
    "amount_ratio": ("Amount {times} times the usual",) * 2,
    "log_amount": ("The size of the amount",) * 2,
    "terms_days": ("Payment terms of {days} days",) * 2,
    "open_count": ("{n} invoices open",) * 2,
    "days_since_payment": ("{days} days since the last payment",) * 2,
    "age_days": ("Invoice {days} days old",) * 2,
    "days_to_due": ("Due in {days} days",) * 2,
    "past_usual_day": ("{days} days past the usual pay day",) * 2,
    "disputed": ("An invoice is disputed", "Nothing disputed"),
    "dispute_share": ("Disputed about {pct}% of past invoices",) * 2,
    "no_history": ("No payment history yet", "A payment history to go by"),
}
# counts of one: their own words
ONE: dict[str, str] = {
    "{n} invoices paid before": "1 invoice paid before",
    "{n} invoices open": "1 invoice open",
}
# features whose "low" words apply at or below this value (else the "high" words)
LOW_AT: dict[str, float] = {
    "mean_pay_offset": -0.5,
    "last_days_late": 0.5,
    "disputed": 0.0,
    "no_history": 0.5,
}


@dataclass(frozen=True)
class FactorWords:
    """One factor as the page says it: English text, its values, and which way it pushes."""

    text: str
    params: dict[str, Any]
    raises: bool
    contribution: float


@dataclass(frozen=True)
class InvoiceRisk:
    """What the model expects of one open invoice."""

    p_late: float
    expected_days_late: float
    expected_pay_date: date


@dataclass
class RiskView:
    """The customer's risk, the top factors and each open invoice's expectation."""

    risk: float | None = None
    source: str = "prior"
    version: int | None = None
    factors: list[FactorWords] = field(default_factory=list)
    invoices: dict[int, InvoiceRisk] = field(default_factory=dict)


def factor_words(factor: Factor) -> FactorWords:
    """A factor in plain words (English source; the page translates)."""
    high, low = FACTOR_WORDS[factor.feature]
    threshold = LOW_AT.get(factor.feature)
    text = low if threshold is not None and factor.value <= threshold else high
    params = dict(shown_value(factor.feature, factor.value))
    if params.get("n") == 1 and text in ONE:
        text, params = ONE[text], {}
    return FactorWords(text, params, factor.raises, factor.contribution)


def risk_view(session: Session, customer_pk: int, today: date) -> RiskView:
    """The customer's open invoices at `today` scored, and why (top factors), in one read."""
    conn = session.connection()
    model, version = usable_model(conn)
    scored = score_customers(conn, [customer_pk], today, model)
    view = RiskView(source=model.source, version=version)
    if scored.height == 0:
        return view
    view.risk = float(customer_risk(scored).get_column("risk")[0])
    explanation = explain_scored(scored, model)
    if explanation is not None:
        view.factors = [factor_words(f) for f in explanation.top()]
    for pk, p_late, days, pay_date in scored.select(
        "invoice_pk", "p_late", "expected_days_late", pl.col("expected_pay_date")
    ).iter_rows():
        view.invoices[int(pk)] = InvoiceRisk(float(p_late), float(days), pay_date)
    return view
