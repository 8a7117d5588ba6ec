"""Match bank statement entries to open invoices: pure, set-based, in Polars.

Rules, in order; an entry matched by one rule is not looked at by the next:

1. ``reference``: the entry's structured reference, or an RF reference / betalingskenmerk
   found in its remittance text, equals an invoice's payment reference, or the combined
   reference of a message about several invoices (then it names all of them).
2. ``invoice_number``: invoice numbers named in the remittance text (tokens and pairs of
   adjacent tokens, compared upper-cased without punctuation; keys shorter than 4
   characters or without a digit are not looked for). Several invoices may be named.
3. ``iban_amount``: the counterparty IBAN belongs to a customer and the amount equals one
   of that customer's open invoices (several of equal amount: oldest due date first;
   several entries of equal amount take them in turn).
4. ``iban_subset``: the amount equals the sum of a subset of that customer's open invoices.
   Bounded: for customers with at most SUBSET_MAX_OPEN open invoices every subset is
   searched (pruned by sums; at most SUBSET_MAX_FRONTIER partial subsets per entry and
   size); for larger customers only the oldest-first runs (the oldest k invoices). Among
   several solutions the one holding the oldest invoices wins.

Rules 1 and 2 match whatever the amount (partial and over-payments: the caller allocates)
and may name an invoice for several entries. Rules 3 and 4 only use invoices no earlier
rule or earlier entry claimed. When a rule finds invoices of several customers, the
customers whose IBAN the entry came from are kept; if that leaves several, the entry is
unmatched as ambiguous. Debits, reversals (the caller handles them) and entries in a
currency without open invoices are unmatched with their reason. Unmatched entries get
ranked suggestions: customers by IBAN or name similarity, invoices by closest amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from creditflow.ledger.references import KENMERK_PATTERN, RF_PATTERN
from creditflow.money import from_minor
from creditflow.payments.matching_iban import (
    IBAN_AMOUNT,
    IBAN_SUBSET,
    SUBSET_MAX_FRONTIER,
    SUBSET_MAX_OPEN,
    iban_amount,
    subset_search,
)
from creditflow.payments.matching_suggestions import SUGGESTION, name_pairs, rank_suggestions

__all__ = ["RULES", "SUBSET_MAX_FRONTIER", "SUBSET_MAX_OPEN", "MatchResult", "match_statement"]

RULES = ("reference", "invoice_number", IBAN_AMOUNT, IBAN_SUBSET)
_MIN_KEY = 4

_ENTRY_COLUMNS = {
    "entry_key": pl.String,
    "amount_minor": pl.Int64,
    "currency": pl.String,
    "credit": pl.Boolean,
    "reversal": pl.Boolean,
    "counterparty_iban": pl.String,
    "counterparty_name": pl.String,
    "remittance_text": pl.String,
    "structured_reference": pl.String,
}
_INVOICE_COLUMNS = {
    "invoice_id": pl.Int64,
    "invoice_number": pl.String,
    "customer_id": pl.Int64,
    "payment_reference": pl.String,
    "currency": pl.String,
    "open_minor": pl.Int64,
    "due_date": pl.Date,
}
_ENTRY_REQUIRED = ("entry_key", "amount_minor", "currency", "credit", "reversal")
_INVOICE_REQUIRED = ("invoice_id", "customer_id", "currency", "open_minor", "due_date")
_IBAN_COLUMNS = {"customer_id": pl.Int64, "iban": pl.String}
_HITS = {"_row": pl.UInt32, "customer_id": pl.Int64, "invoice_id": pl.Int64}


@dataclass(frozen=True)
class MatchResult:
    """Entries matched (entry_key, rule, customer_id, invoice_ids) and unmatched with reasons.

    Both frames also carry the entry's currency and amount_minor.
    """

    matched: pl.DataFrame
    unmatched: pl.DataFrame

    def summary(self) -> dict[str, Any]:
        """Counts per rule and reason, and amounts per currency (decimal text)."""
        per_rule = dict(self.matched.group_by("rule").len().iter_rows())
        reasons = dict(self.unmatched.group_by("reason").len().sort("reason").iter_rows())
        amounts: dict[str, dict[str, str]] = {}
        for name, frame in (("matched", self.matched), ("unmatched", self.unmatched)):
            totals = frame.group_by("currency").agg(pl.col("amount_minor").sum())
            for currency, minor in totals.sort("currency").iter_rows():
                amounts.setdefault(currency, {"matched": "0", "unmatched": "0"})
                amounts[currency][name] = str(from_minor(minor, currency))
        return {
            "entries": self.matched.height + self.unmatched.height,
            "matched": {rule: per_rule.get(rule, 0) for rule in RULES},
            "unmatched": self.unmatched.height,
            "unmatched_by_reason": reasons,
            "amounts": amounts,
        }


def _checked(
    frame: pl.DataFrame, columns: dict[str, Any], name: str, required: tuple[str, ...] = ()
) -> pl.DataFrame:
    """The frame's columns cast to their types; missing columns and nulls in `required` raise."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame lacks column(s) {', '.join(missing)}")
    try:
        checked = frame.select([pl.col(c).cast(t, strict=True) for c, t in columns.items()])
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        raise ValueError(f"{name} frame has a column of the wrong type: {exc}") from exc
    for column in required:
        nulls = checked.with_row_index("row").filter(pl.col(column).is_null())
        if nulls.height:
            raise ValueError(f"{name} row {nulls['row'][0]}: {column} is empty")
    return checked


def _compact(column: str) -> pl.Expr:
    return pl.col(column).str.replace_all(r"\s+", "").str.to_uppercase()


def _resolve(
    hits: pl.DataFrame, iban_pairs: pl.DataFrame, rule: str, what: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Per entry: the invoices of one customer (IBAN owners preferred), or ambiguous."""
    hits = hits.unique(["_row", "invoice_id"])
    owned = hits.join(iban_pairs, on=["_row", "customer_id"], how="semi")
    customers = hits.group_by("_row").agg(pl.col("customer_id").n_unique().alias("n"))
    owned_customers = owned.group_by("_row").agg(pl.col("customer_id").n_unique().alias("n_own"))
    decided = customers.join(owned_customers, on="_row", how="left")
    use_owned = decided.filter((pl.col("n") > 1) & (pl.col("n_own") == 1)).select("_row")
    single = decided.filter(pl.col("n") == 1).select("_row")
    chosen = pl.concat(
        [hits.join(single, on="_row"), owned.join(use_owned, on="_row")], how="vertical"
    )
    matched = (
        chosen.group_by("_row")
        .agg(pl.col("customer_id").first(), pl.col("invoice_id").sort().alias("invoice_ids"))
        .with_columns(rule=pl.lit(rule))
    )
    ambiguous = decided.join(pl.concat([single, use_owned]), on="_row", how="anti").select(
        "_row", reason=pl.lit(f"{what} name invoices of several customers")
    )
    return matched, ambiguous, hits.join(ambiguous.select("_row"), on="_row")


def _reference_hits(cands: pl.DataFrame, invoices: pl.DataFrame) -> pl.DataFrame:
    """Rule 1 candidates: structured reference, RF prefixes and betalingskenmerken in text."""
    text = pl.col("remittance_text").str.to_uppercase()
    found = cands.select(
        "_row", rf=text.str.extract_all(RF_PATTERN), kenmerk=text.str.extract_all(KENMERK_PATTERN)
    )
    rf = (
        found.select("_row", "rf")
        .explode("rf")
        .drop_nulls("rf")
        .with_row_index("_cand")
        .with_columns(rf=pl.col("rf").str.replace_all(" ", ""))
        .with_columns(length=pl.int_ranges(5, pl.col("rf").str.len_chars() + 1))
        .explode("length")
        .select("_row", "_cand", "length", ref=pl.col("rf").str.slice(0, pl.col("length")))
    )
    rf_hits = (
        rf.join(invoices, left_on="ref", right_on="ref_norm")
        .filter(pl.col("length") == pl.col("length").max().over("_cand"))
        .select("_row", "ref")
    )
    plain = pl.concat(
        [
            found.select("_row", ref=pl.col("kenmerk")).explode("ref").drop_nulls("ref"),
            cands.select("_row", ref=pl.col("ref_norm")).drop_nulls("ref"),
        ]
    ).with_columns(pl.col("ref").str.replace_all(" ", ""))
    refs = pl.concat(
        [rf_hits, plain.join(invoices, left_on="ref", right_on="ref_norm", how="semi")]
    )
    return refs.unique().join(invoices, left_on="ref", right_on="ref_norm")


def _with_combined(invoices: pl.DataFrame, combined: pl.DataFrame | None) -> pl.DataFrame:
    """The invoices, plus one row per (combined reference, open invoice it names)."""
    if combined is None or combined.height == 0:
        return invoices
    checked = _checked(
        combined, {"reference": pl.String, "invoice_id": pl.Int64}, "combined_references"
    )
    extra = checked.select("invoice_id", ref_norm=_compact("reference")).join(
        invoices.drop("ref_norm"), on="invoice_id"
    )
    return pl.concat([invoices, extra.select(invoices.columns)])


def _number_hits(cands: pl.DataFrame, invoices: pl.DataFrame) -> pl.DataFrame:
    """Rule 2 candidates: text tokens and adjacent token pairs equal to an invoice number."""
    text = pl.col("remittance_text").str.to_uppercase()
    coarse = text.str.split(" ").list.eval(pl.element().str.replace_all(r"[^0-9A-Z]", ""))
    fine = text.str.replace_all(r"[^0-9A-Z]+", " ").str.strip_chars().str.split(" ")
    pairs = fine.list.eval(pl.element() + pl.element().shift(-1)).list.drop_nulls()
    tokens = (
        cands.select("_row", key=pl.concat_list(coarse, fine, pairs))
        .explode("key")
        .filter(pl.col("key").str.len_chars() >= _MIN_KEY)
        .unique()
    )
    keyed = invoices.filter(
        (pl.col("number_key").str.len_chars() >= _MIN_KEY)
        & pl.col("number_key").str.contains("[0-9]")
    )
    return tokens.join(keyed, left_on="key", right_on="number_key")


def match_statement(
    entries: pl.DataFrame,
    open_invoices: pl.DataFrame,
    customer_ibans: pl.DataFrame,
    customers: pl.DataFrame | None = None,
    combined_references: pl.DataFrame | None = None,
) -> MatchResult:
    """Match statement entries to open invoices by the four rules (see the module docstring).

    `customers` (customer_id, name) is optional and only feeds name-based suggestions;
    `combined_references` (reference, invoice_id), one row per invoice a message's
    combined reference names, extends rule 1.
    """
    rows = _checked(entries, _ENTRY_COLUMNS, "entries", _ENTRY_REQUIRED).with_row_index("_row")
    rows = rows.with_columns(
        ref_norm=_compact("structured_reference"), iban_norm=_compact("counterparty_iban")
    )
    invoices = _checked(open_invoices, _INVOICE_COLUMNS, "open_invoices", _INVOICE_REQUIRED)
    invoices = invoices.with_columns(
        ref_norm=_compact("payment_reference"),
        number_key=pl.col("invoice_number").str.to_uppercase().str.replace_all("[^0-9A-Z]", ""),
    )
    referenced = _with_combined(invoices, combined_references)
    ibans = _checked(customer_ibans, _IBAN_COLUMNS, "customer_ibans")
    ibans = ibans.select("customer_id", iban_norm=_compact("iban")).unique()
    currencies = invoices.select("currency").unique()
    reason = (
        pl.when(~pl.col("credit"))
        .then(pl.lit("debit: money going out"))
        .when(pl.col("reversal"))
        .then(pl.lit("reversal: handled by the caller"))
        .when(~pl.col("currency").is_in(currencies["currency"].implode()))
        .then(pl.lit("no open invoices in ") + pl.col("currency"))
    )
    rows = rows.with_columns(_reason=reason)
    refused = rows.filter(pl.col("_reason").is_not_null()).select("_row", reason="_reason")
    cands = rows.filter(pl.col("_reason").is_null())
    pairs = cands.join(ibans, on="iban_norm").select(
        "_row", "customer_id", "currency", "amount_minor"
    )
    pair_keys = pairs.select("_row", "customer_id")
    all_pairs = pairs

    def same_currency(hits: pl.DataFrame) -> pl.DataFrame:
        kept = hits.join(cands.select("_row", "currency"), on=["_row", "currency"], how="semi")
        return kept.select(_HITS.keys())

    matched_parts, refused_parts, ambiguous_hits = [], [refused], []
    for rule, finder, what in (
        (RULES[0], _reference_hits, "references"),
        (RULES[1], _number_hits, "invoice numbers"),
    ):
        all_hits = finder(cands, referenced if rule == RULES[0] else invoices)
        hits = same_currency(all_hits)
        other = all_hits.join(hits, on="_row", how="anti").select("_row").unique()
        matched, ambiguous, hits_ambiguous = _resolve(hits, pair_keys, rule, what)
        other = other.select("_row", reason=pl.lit(f"{what} name invoices in another currency"))
        matched_parts.append(matched.select("_row", "customer_id", "invoice_ids", "rule"))
        refused_parts += [ambiguous, other]
        ambiguous_hits.append(hits_ambiguous)
        done = pl.concat([matched.select("_row"), ambiguous.select("_row"), other.select("_row")])
        cands = cands.join(done.select("_row"), on="_row", how="anti")
    claimed = pl.concat(matched_parts).select("invoice_ids").explode("invoice_ids")
    free = invoices.join(claimed, left_on="invoice_id", right_on="invoice_ids", how="anti")
    free = free.select("invoice_id", "customer_id", "currency", "open_minor", "due_date")
    pairs = pairs.join(cands.select("_row"), on="_row", how="semi")
    matched, ambiguous = iban_amount(pairs, free)
    matched_parts.append(matched)
    refused_parts.append(ambiguous)
    done = pl.concat([matched.select("_row"), ambiguous.select("_row")])
    pairs = pairs.join(done, on="_row", how="anti")
    free = free.join(
        matched.select(invoice_id="invoice_ids").explode("invoice_id"), on="invoice_id", how="anti"
    )
    matched, refused = subset_search(pairs, free)
    matched_parts.append(matched)
    refused_parts.append(refused)
    all_matched = pl.concat(matched_parts, how="vertical_relaxed")
    unmatched_rows = rows.join(all_matched.select("_row"), on="_row", how="anti")
    reasons = pl.concat(refused_parts, how="vertical_relaxed").unique("_row", keep="first")
    unmatched_rows = unmatched_rows.join(reasons, on="_row", how="left").with_columns(
        pl.col("reason").fill_null("no match")
    )
    to_suggest = unmatched_rows.filter(
        ~pl.col("reason").str.starts_with("debit")
        & ~pl.col("reason").str.starts_with("reversal")
        & ~pl.col("reason").str.starts_with("no open invoices")
    )
    people = (
        None
        if customers is None
        else _checked(customers, {"customer_id": pl.Int64, "name": pl.String}, "customers")
    )
    names = name_pairs(to_suggest, people)
    suggestions = rank_suggestions(
        to_suggest,
        all_pairs.join(to_suggest.select("_row"), on="_row", how="semi"),
        invoices,
        names,
        pl.concat(ambiguous_hits),
    )
    keep = ["entry_key", "currency", "amount_minor"]
    matched_out = (
        all_matched.join(rows.select("_row", *keep), on="_row")
        .sort("_row")
        .select("entry_key", "rule", "customer_id", "invoice_ids", "currency", "amount_minor")
    )
    unmatched_out = (
        unmatched_rows.join(suggestions, on="_row", how="left")
        .sort("_row")
        .with_columns(pl.col("suggestions").fill_null(pl.lit([], dtype=pl.List(SUGGESTION))))
        .select("entry_key", "reason", "suggestions", "currency", "amount_minor")
    )
    return MatchResult(matched=matched_out, unmatched=unmatched_out)
