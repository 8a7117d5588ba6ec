"""Consumer collection costs as the law allows them, whatever the strategy says.

The engine charges a consumer collection costs for an invoice only when a 14-day
letter naming it was sent (on paper or by e-mail), its term counted from the sending
day has passed (`fourteen_day.earliest_costs_date`), and no collection costs were
charged for that invoice before, under any strategy version. The amount never
exceeds what the letter stated, less what was already charged on its invoices.
"""

from __future__ import annotations

import polars as pl

from creditflow.compliance.costs import costs_due
from creditflow.compliance.fourteen_day import earliest_costs_date
from creditflow.config import LegalRules
from creditflow.money import Money
from creditflow.strategy.snapshot_frames import Snapshot

__all__ = ["cost_facts", "letter_terms", "lawful_consumer_costs"]


def letter_terms(letters: pl.DataFrame) -> pl.DataFrame:
    """Per invoice: the sent 14-day letter that counts (earliest term) and `lawful_from`."""
    pairs = letters.select("sent_on", "channel").unique()
    lawful = [earliest_costs_date(day, channel) for day, channel in pairs.iter_rows()]
    dated = letters.join(
        pairs.with_columns(pl.Series("lawful_from", lawful, dtype=pl.Date)),
        on=["sent_on", "channel"],
    )
    return (
        dated.sort("lawful_from", "letter_id")
        .group_by("invoice_pk", maintain_order=True)
        .first()
        .select("invoice_pk", "letter_id", "lawful_from")
    )


def cost_facts(snapshot: Snapshot) -> pl.DataFrame:
    """Per invoice with a sent letter or a charge: `__letter`, `__lawful_from`, `__charged`."""
    terms = letter_terms(snapshot.letters).rename(
        {"letter_id": "__letter", "lawful_from": "__lawful_from"}
    )
    charged = snapshot.charged.select("invoice_pk", pl.lit(True).alias("__charged")).unique()
    return terms.join(charged, on="invoice_pk", how="full", coalesce=True).with_columns(
        pl.col("__charged").fill_null(False)
    )


def _consumer_costs(minor: int, currency: str, legal: LegalRules | None) -> int:
    """The consumer costs on an amount (WIK, VAT as `[legal]` says), 0 when none apply."""
    due = costs_due("consumer", Money.of_minor(minor, currency), 1, legal)
    return 0 if due is None else due.amount.minor


def _stated_left(snapshot: Snapshot, legal: LegalRules | None) -> dict[str, int]:
    """Per sent letter: the costs it stated, less the charges already on its invoices."""
    letters = snapshot.letters
    stated = letters.select("letter_id", "letter_due_minor", "currency").unique("letter_id")
    charged = (
        letters.select("letter_id", "invoice_pk")
        .join(snapshot.charged, on="invoice_pk")
        .unique(["letter_id", "charge_id"])
        .group_by("letter_id")
        .agg(pl.col("amount_minor").sum().alias("charged"))
    )
    left: dict[str, int] = {}
    for letter_id, due_minor, currency in stated.iter_rows():
        left[letter_id] = _consumer_costs(due_minor, currency, legal)
    for letter_id, already in charged.iter_rows():
        left[letter_id] = max(left.get(letter_id, 0) - already, 0)
    return left


def lawful_consumer_costs(
    covered: pl.DataFrame, snapshot: Snapshot, legal: LegalRules | None = None
) -> pl.DataFrame:
    """Per account (`account`, `charge_minor`): the costs a consumer may be charged today.

    `covered` holds account, invoice_pk, open_minor, currency of the invoices a costs
    charge covers (each named in a sent letter whose term has passed). Per letter the
    WIK costs on what is still open, capped by what that letter stated and was not
    charged yet; summed over the account's letters.
    """
    if covered.height == 0:
        return pl.DataFrame(schema={"account": pl.UInt32, "charge_minor": pl.Int64})
    left = _stated_left(snapshot, legal)
    by_letter = (
        covered.filter(pl.col("currency") == "EUR")
        .join(letter_terms(snapshot.letters), on="invoice_pk")
        .group_by("account", "letter_id", "currency")
        .agg(pl.col("open_minor").sum())
    )
    totals: dict[int, int] = {}
    for account, letter_id, currency, open_minor in by_letter.iter_rows():
        wik = _consumer_costs(open_minor, currency, legal)
        totals[account] = totals.get(account, 0) + min(wik, left.get(letter_id, 0))
    return pl.DataFrame(
        {"account": list(totals), "charge_minor": list(totals.values())},
        schema={"account": covered.schema["account"], "charge_minor": pl.Int64},
    )
