"""The idempotency key of an action (DESIGN invariant 3): one scheme for every producer.

An action's key is `action_key(*parts)`: the first 32 hex digits of the SHA-256 of
its parts joined by "|". What the parts are is each producer's business, fixed so
that doing the same thing again gives the same key:

- the collection run: customer, currency, strategy, step, the day, the invoice
  numbers joined by "," (`run_key_parts`; `action_keys` hashes a whole frame);
- self-service (portal, conversations, payments): the strategy and a record key such
  as "promise-12-confirmation" (`service.queue_action` with a `str` key);
- compliance: customer, "compliance", step and the record's own parts.

Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

import polars as pl

__all__ = ["KEY_LENGTH", "action_key", "action_keys", "run_action_key", "run_key_parts"]

KEY_LENGTH = 32


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_LENGTH]


def action_key(*parts: object) -> str:
    """The deterministic idempotency key of an action with these key parts."""
    return _digest("|".join(str(p) for p in parts))


def action_keys(frame: pl.DataFrame, parts: Sequence[pl.Expr]) -> pl.Series:
    """`action_key` of every row of `frame`, its parts given as string expressions."""
    texts = frame.select(pl.concat_str(list(parts), separator="|")).to_series()
    return pl.Series("action_id", [_digest(t) for t in texts], dtype=pl.Utf8)


def run_key_parts(as_of: date) -> list[pl.Expr]:
    """The key parts of a collection run's action, as expressions over its row."""
    return [
        pl.col("customer_id"),
        pl.col("currency"),
        pl.col("strategy"),
        pl.col("step"),
        pl.lit(as_of.isoformat()),
        pl.col("invoices").list.join(","),
    ]


def run_action_key(
    customer_id: str, currency: str, strategy: str, step: str, as_of: date, invoices: Sequence[str]
) -> str:
    """The key of one collection run action (what `action_keys` gives its row)."""
    return action_key(customer_id, currency, strategy, step, as_of.isoformat(), ",".join(invoices))
