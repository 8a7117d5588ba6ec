"""Ranked suggestions for statement entries no matching rule could place (see matching.py).

Customers whose IBAN the entry came from or whose name is like the counterparty's,
and the invoices whose open amount is closest to the payment, scored from 0 to 1.
"""

from __future__ import annotations

import polars as pl

__all__ = ["SUGGESTION", "SUGGESTIONS_PER_ENTRY", "name_pairs", "rank_suggestions"]

SUGGESTIONS_PER_ENTRY = 5
_COMMON_NAME_TOKEN = 50
_NAME_STOPWORDS = ["BV", "NV", "VOF", "CV", "DE", "DEN", "DER", "VAN", "HET", "EN", "THE", "LTD"]
SUGGESTION = pl.Struct(
    {"customer_id": pl.Int64, "invoice_id": pl.Int64, "score": pl.Float64, "why": pl.String}
)


def _closeness(a: str, b: str) -> pl.Expr:
    """1 when two amounts are equal, falling to 0 as they differ by their own size."""
    diff = (pl.col(a) - pl.col(b)).abs().cast(pl.Float64)
    return 1.0 - (diff / pl.max_horizontal(a, b).cast(pl.Float64).clip(1.0)).clip(0.0, 1.0)


def name_pairs(open_rows: pl.DataFrame, customers: pl.DataFrame | None) -> pl.DataFrame:
    """(entry, customer, similarity) for counterparty names sharing words with customer names."""
    empty = pl.DataFrame(schema={"_row": pl.UInt32, "customer_id": pl.Int64, "sim": pl.Float64})
    if customers is None or open_rows.height == 0:
        return empty

    def words(frame: pl.DataFrame, key: str, name: str) -> pl.DataFrame:
        cleaned = pl.col(name).str.to_uppercase().str.replace_all(r"[^0-9A-Z]+", " ")
        return (
            frame.select(key, word=cleaned.str.strip_chars().str.split(" "))
            .explode("word")
            .filter((pl.col("word").str.len_chars() >= 2) & ~pl.col("word").is_in(_NAME_STOPWORDS))
            .unique()
            .with_columns(n_words=pl.len().over(key))
        )

    known = words(customers, "customer_id", "name")
    known = known.filter(pl.len().over("word") <= _COMMON_NAME_TOKEN)
    payers = words(open_rows.drop_nulls("counterparty_name"), "_row", "counterparty_name")
    shared = payers.join(known, on="word", suffix="_c")
    return (
        shared.group_by("_row", "customer_id")
        .agg(common=pl.len(), n=pl.col("n_words").first(), n_c=pl.col("n_words_c").first())
        .select(
            "_row",
            "customer_id",
            sim=pl.col("common") / (pl.col("n") + pl.col("n_c") - pl.col("common")),
        )
        .filter(pl.col("sim") >= 0.5)
    )


def rank_suggestions(
    rows: pl.DataFrame,
    pairs: pl.DataFrame,
    invoices: pl.DataFrame,
    names: pl.DataFrame,
    ambiguous_hits: pl.DataFrame,
) -> pl.DataFrame:
    """Ranked suggestions per unmatched entry, as a list of structs."""
    base = rows.select("_row", "currency", "amount_minor")
    inv = invoices.select("customer_id", "currency", "invoice_id", "open_minor")
    close = _closeness("amount_minor", "open_minor")
    by_customer = pl.concat(
        [
            pairs.select("_row", "customer_id", weight=pl.lit(0.6), why=pl.lit("IBAN of customer")),
            names.select(
                "_row",
                "customer_id",
                weight=0.5 * pl.col("sim"),
                why=pl.lit("name like customer's"),
            ),
        ]
    ).join(base, on="_row")
    scored = [
        by_customer.join(inv, on=["customer_id", "currency"]).select(
            "_row",
            "customer_id",
            "invoice_id",
            score=pl.col("weight") + 0.4 * close,
            why=pl.col("why") + pl.lit(", open amount closest"),
        ),
        ambiguous_hits.select(
            "_row", "customer_id", "invoice_id", score=pl.lit(0.9), why=pl.lit("named, ambiguous")
        ),
    ]
    nearest = inv.rename({"open_minor": "near"}).sort("near")
    for strategy in ("backward", "forward"):
        found = base.sort("amount_minor").join_asof(
            nearest,
            left_on="amount_minor",
            right_on="near",
            by="currency",
            strategy=strategy,
            check_sortedness=False,
        )
        scored.append(
            found.drop_nulls("invoice_id").select(
                "_row",
                "customer_id",
                "invoice_id",
                score=0.3 * _closeness("amount_minor", "near"),
                why=pl.lit("open amount closest to the payment"),
            )
        )
    ranked = (
        pl.concat(scored, how="vertical_relaxed")
        .sort("score", "invoice_id", descending=[True, False])
        .unique(["_row", "invoice_id"], keep="first", maintain_order=True)
        .with_columns(rank=pl.col("score").cum_count().over("_row"))
        .filter(pl.col("rank") <= SUGGESTIONS_PER_ENTRY)
        .group_by("_row")
        .agg(
            suggestions=pl.struct(
                "customer_id", "invoice_id", pl.col("score").round(3), "why"
            ).cast(SUGGESTION)
        )
    )
    return ranked
