"""Matching rules 3 and 4: the counterparty IBAN's customer and the amount (see matching.py).

`pairs` holds (_row, customer_id, currency, amount_minor) for every entry whose IBAN
belongs to a customer; `free` the open invoices no earlier rule claimed. Each rule
returns (matched, refused): matched rows (_row, customer_id, invoice_ids, rule) and
refused rows (_row, reason).
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "IBAN_AMOUNT",
    "IBAN_SUBSET",
    "SUBSET_MAX_FRONTIER",
    "SUBSET_MAX_OPEN",
    "iban_amount",
    "subset_search",
]

IBAN_AMOUNT = "iban_amount"
IBAN_SUBSET = "iban_subset"
SUBSET_MAX_OPEN = 20
SUBSET_MAX_FRONTIER = 4096
# Bit of the invoice at position pos (0 = oldest): more older invoices = larger mask.
_BITS = pl.DataFrame(
    {"pos": range(SUBSET_MAX_OPEN), "bit": [1 << (SUBSET_MAX_OPEN - 1 - p) for p in range(20)]},
    schema={"pos": pl.UInt32, "bit": pl.Int64},
)


def iban_amount(pairs: pl.DataFrame, free: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rule 3: one open invoice of the IBAN's customer has exactly the amount."""
    hits = pairs.join(
        free,
        left_on=["customer_id", "currency", "amount_minor"],
        right_on=["customer_id", "currency", "open_minor"],
    )
    customers = hits.group_by("_row").agg(pl.col("customer_id").n_unique().alias("n"))
    ambiguous = customers.filter(pl.col("n") > 1).select(
        "_row", reason=pl.lit("IBAN of several customers with an invoice of this amount")
    )
    group = ["customer_id", "currency", "amount_minor"]
    entry_turn = (
        hits.join(customers.filter(pl.col("n") == 1), on="_row")
        .select("_row", *group)
        .unique()
        .with_columns(turn=pl.col("_row").rank("ordinal").over(group))
    )
    invoice_turn = (
        free.rename({"open_minor": "amount_minor"})
        .join(entry_turn.select(group).unique(), on=group, how="semi")
        .sort("due_date", "invoice_id")
        .with_columns(turn=pl.col("invoice_id").cum_count().over(group).cast(pl.UInt32))
    )
    matched = (
        entry_turn.with_columns(pl.col("turn").cast(pl.UInt32))
        .join(invoice_turn, on=[*group, "turn"])
        .select(
            "_row",
            "customer_id",
            invoice_ids=pl.concat_list("invoice_id"),
            rule=pl.lit(IBAN_AMOUNT),
        )
    )
    return matched, ambiguous


def subset_search(pairs: pl.DataFrame, free: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rule 4: the subset of the customer's open invoices summing to the amount, oldest first."""
    ordered = free.sort("due_date", "invoice_id").with_columns(
        pos=pl.col("invoice_id").cum_count().over("customer_id", "currency") - 1,
        n_open=pl.len().over("customer_id", "currency"),
    )
    ordered = ordered.with_columns(
        rest=pl.col("open_minor").sum().over("customer_id", "currency")
        - pl.col("open_minor").cum_sum().over("customer_id", "currency"),
    ).join(_BITS, on="pos", how="left")
    keys = ["customer_id", "currency"]
    joined = pairs.join(ordered, on=keys)
    # Large customers: only runs of their oldest invoices.
    runs = (
        joined.filter(pl.col("n_open") > SUBSET_MAX_OPEN)
        .sort("_row", "pos")
        .with_columns(total=pl.col("open_minor").cum_sum().over("_row", "customer_id"))
        .filter(pl.col("total") <= pl.col("amount_minor"))
    )
    run_end = runs.filter(pl.col("total") == pl.col("amount_minor")).select("_row", "customer_id")
    run_ids = (
        runs.join(run_end, on=["_row", "customer_id"])
        .group_by("_row", "customer_id")
        .agg(invoice_ids=pl.col("invoice_id"), mask=pl.lit(0, pl.Int64))
    )
    small = ordered.filter(pl.col("n_open") <= SUBSET_MAX_OPEN)
    step = small.select(*keys, "pos", "open_minor", "rest", "bit")
    frontier = (
        joined.filter(pl.col("n_open") <= SUBSET_MAX_OPEN)
        .filter(pl.col("open_minor") + pl.col("rest") >= pl.col("amount_minor"))
        .select("_row", *keys, "amount_minor", "pos", total="open_minor", mask="bit")
        .filter(pl.col("total") <= pl.col("amount_minor"))
    )
    solutions = [frontier.clear()]
    capped = [pl.DataFrame(schema={"_row": pl.UInt32})]
    while frontier.height:
        solutions.append(frontier.filter(pl.col("total") == pl.col("amount_minor")))
        frontier = frontier.filter(pl.col("total") < pl.col("amount_minor"))
        width = frontier.group_by("_row").len()
        over = width.filter(pl.col("len") > SUBSET_MAX_FRONTIER).select("_row")
        capped.append(over)
        frontier = frontier.join(over, on="_row", how="anti")
        frontier = (
            frontier.join(step, on=keys, suffix="_next")
            .filter(
                (pl.col("pos_next") > pl.col("pos"))
                & (pl.col("total") + pl.col("open_minor") <= pl.col("amount_minor"))
                & (
                    pl.col("total") + pl.col("open_minor") + pl.col("rest")
                    >= pl.col("amount_minor")
                )
            )
            .select(
                "_row",
                *keys,
                "amount_minor",
                pos="pos_next",
                total=pl.col("total") + pl.col("open_minor"),
                mask=pl.col("mask") | pl.col("bit"),
            )
        )
    found = pl.concat(solutions).select("_row", "customer_id", "mask")
    best = found.sort("mask", descending=True).unique(["_row", "customer_id"], keep="first")
    subset_ids = (
        best.join(small.select("customer_id", "invoice_id", "bit", "due_date"), on="customer_id")
        .filter((pl.col("mask") & pl.col("bit")) != 0)
        .sort("due_date", "invoice_id")
        .group_by("_row", "customer_id")
        .agg(invoice_ids=pl.col("invoice_id"), mask=pl.col("mask").first())
    )
    candidates = pl.concat([run_ids, subset_ids])
    counts = candidates.group_by("_row").agg(pl.col("customer_id").n_unique().alias("n"))
    ambiguous = counts.filter(pl.col("n") > 1).select(
        "_row", reason=pl.lit("IBAN of several customers whose invoices add up to the amount")
    )
    matched = candidates.join(counts.filter(pl.col("n") == 1), on="_row").select(
        "_row", "customer_id", "invoice_ids", rule=pl.lit(IBAN_SUBSET)
    )
    bound = pl.concat(capped).unique().join(matched, on="_row", how="anti")
    claims = matched.select("_row", invoice_id="invoice_ids").explode("invoice_id")
    # An invoice offered to several entries goes to the first of them only.
    lost = claims.filter(pl.col("_row") != pl.col("_row").min().over("invoice_id"))
    lost = lost.select("_row").unique()
    refused = pl.concat(
        [
            ambiguous,
            bound.select("_row", reason=pl.lit("subset search bound exceeded")),
            lost.select("_row", reason=pl.lit("invoices already matched to an earlier entry")),
        ]
    )
    return matched.join(lost, on="_row", how="anti"), refused
