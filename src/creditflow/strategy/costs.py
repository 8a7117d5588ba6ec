"""Consumer collection costs as the law allows them, whatever the strategy says.

The engine charges a consumer collection costs for an invoice only when a 14-day
letter naming it was sent (on paper or by e-mail), its term counted from the sending
day has passed (`fourteen_day.earliest_costs_date`), and no collection costs were
charged for that invoice before, under any strategy version. The amount never
exceeds what the letter stated, less what was already charged on its invoices.
"""

from __future__ import annotations

import polars as pl

from creditflow.compliance.costs import claim_costs, costs_due, notice_template_for
from creditflow.compliance.fourteen_day import earliest_costs_date
from creditflow.config import LegalRules
from creditflow.money import Money
from creditflow.strategy.snapshot_frames import Snapshot

__all__ = [
    "charge_amounts",
    "claim_costs_minor",
    "cost_facts",
    "lawful_consumer_costs",
    "letter_terms",
    "notice_templates",
]

COLLECTION_COSTS = "collection_costs"


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


def _stated_left(
    snapshot: Snapshot, legal: LegalRules | None, letter_ids: pl.Series
) -> dict[str, int]:
    """Per sent letter of `letter_ids`: the costs it stated, less the charges already on
    its invoices."""
    letters = snapshot.letters.filter(pl.col("letter_id").is_in(letter_ids.implode()))
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
    by_letter = (
        covered.filter(pl.col("currency") == "EUR")
        .join(letter_terms(snapshot.letters), on="invoice_pk")
        .group_by("account", "letter_id", "currency")
        .agg(pl.col("open_minor").sum())
    )
    left = _stated_left(snapshot, legal, by_letter.get_column("letter_id").unique())
    totals: dict[int, int] = {}
    for account, letter_id, currency, open_minor in by_letter.iter_rows():
        wik = _consumer_costs(open_minor, currency, legal)
        totals[account] = totals.get(account, 0) + min(wik, left.get(letter_id, 0))
    return pl.DataFrame(
        {"account": list(totals), "charge_minor": list(totals.values())},
        schema={"account": covered.schema["account"], "charge_minor": pl.Int64},
    )


def claim_costs_minor(claims: pl.DataFrame, legal: LegalRules | None = None) -> pl.Series:
    """`compliance.costs.claim_costs` of every row, in minor units (null when none apply).

    `claims` holds kind, currency, open_minor (the claim's open total) and invoice_count;
    each distinct claim is costed once.
    """
    keys = ["kind", "currency", "open_minor", "invoice_count"]
    distinct = claims.select(keys).unique()
    amounts = []
    for kind, currency, open_minor, count in distinct.iter_rows():
        due = claim_costs(kind, currency, open_minor, count, legal)
        amounts.append(None if due is None else due.amount.minor)
    costed = distinct.with_columns(pl.Series("__costs", amounts, dtype=pl.Int64))
    return (
        claims.select(keys)
        .join(costed, on=keys, how="left", nulls_equal=True, maintain_order="left")
        .get_column("__costs")
        .alias("costs_minor")
    )


def charge_amounts(actions: pl.DataFrame, legal: LegalRules | None = None) -> pl.DataFrame:
    """Add `charge_minor`: the collection costs of each costs charge (null for the rest).

    The costs are `claim_costs` on the action's amount due and invoices; a consumer is
    charged `lawful_costs_minor` instead (`lawful_consumer_costs`: the costs on what is
    open of the sent 14-day letter's invoices, never more than it stated), when any.
    """
    costs = claim_costs_minor(
        actions.select(
            pl.col("customer_kind").alias("kind"),
            "currency",
            pl.col("amount_due_minor").alias("open_minor"),
            pl.col("invoices").list.len().alias("invoice_count"),
        ),
        legal,
    )
    lawful = pl.col("lawful_costs_minor")
    charged = (
        pl.when((pl.col("charge") != COLLECTION_COSTS).fill_null(True) | costs.is_null())
        .then(None)
        .when(pl.col("customer_kind") == "consumer")
        .then(pl.when(lawful != 0).then(lawful).otherwise(None))
        .otherwise(costs)
    )
    return actions.with_columns(charged.cast(pl.Int64).alias("charge_minor"))


def notice_templates(actions: pl.DataFrame) -> pl.DataFrame:
    """The final notice that fits the customer's kind (`compliance.costs.notice_template_for`)."""
    templates = [
        notice_template_for(kind, template)
        for kind, template in actions.select("customer_kind", "template").iter_rows()
    ]
    return actions.with_columns(pl.Series("template", templates, dtype=pl.Utf8))
