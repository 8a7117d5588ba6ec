"""Benchmark: match 100,000 statement entries against 1,000,000 open invoices.

Run: .venv/bin/python bench/statement_matching.py [--invoices N] [--customers N] [--entries N]
Prints one JSON line: entries, invoices, match_s, matched_by_rule, unmatched, peak_rss_mb.
Only match_statement is timed; generating the data is not.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date

import numpy as np
import polars as pl

from creditflow.ledger.references import betalingskenmerk, rf_reference
from creditflow.payments.matching import match_statement


def _ledger(rng: np.random.Generator, n_invoices: int, n_customers: int) -> pl.DataFrame:
    """Open invoices; customers hold a geometric number of them (mean 5, a few above 20)."""
    counts = rng.geometric(n_customers / n_invoices, size=n_customers)
    customer = np.repeat(np.arange(1, n_customers + 1), counts)[:n_invoices]
    if customer.size < n_invoices:
        extra = rng.integers(1, n_customers + 1, size=n_invoices - customer.size)
        customer = np.concatenate([customer, extra])
    ids = np.arange(1, n_invoices + 1)
    numbers = [f"INV-{i:07d}" for i in ids.tolist()]
    references = [
        rf_reference(f"INV{i:07d}") if i % 2 else betalingskenmerk(i) for i in ids.tolist()
    ]
    return pl.DataFrame(
        {
            "invoice_id": ids,
            "invoice_number": numbers,
            "customer_id": customer.astype(np.int64),
            "payment_reference": references,
            "currency": "EUR",
            "open_minor": rng.integers(1_000, 500_000, size=n_invoices),
            "due_date": pl.date_range(date(2025, 1, 1), date(2025, 12, 31), eager=True).sample(
                n_invoices, with_replacement=True, seed=7
            ),
        }
    )


def _iban(customer_id: int) -> str:
    return f"NL00TEST{customer_id:010d}"


def _entries(rng: np.random.Generator, ledger: pl.DataFrame, n_entries: int) -> pl.DataFrame:
    """A realistic mix: references, invoice numbers, IBAN + amount, IBAN + sum, debits, noise."""
    by_customer = ledger.group_by("customer_id", maintain_order=True).agg(
        "invoice_id", "open_minor"
    )
    multi = by_customer.filter(pl.col("invoice_id").list.len().is_between(2, 12))
    picks = ledger.sample(n_entries, seed=11).to_dicts()
    groups = multi.sample(n_entries, with_replacement=True, seed=13).to_dicts()
    kinds = rng.choice(
        ["ref", "ref_text", "number", "iban_amount", "iban_subset", "debit", "reversal", "noise"],
        p=[0.35, 0.10, 0.15, 0.15, 0.10, 0.05, 0.01, 0.09],
        size=n_entries,
    )
    rows = []
    for index, (kind, inv, group) in enumerate(zip(kinds, picks, groups, strict=True)):
        row = {
            "entry_key": f"E{index}",
            "amount_minor": inv["open_minor"],
            "currency": "EUR",
            "credit": kind != "debit",
            "reversal": kind == "reversal",
            "counterparty_iban": _iban(inv["customer_id"]),
            "counterparty_name": None,
            "remittance_text": None,
            "structured_reference": None,
        }
        if kind in ("ref", "debit", "reversal"):
            row["structured_reference"] = inv["payment_reference"]
        elif kind == "ref_text":
            ref = inv["payment_reference"]
            grouped = " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))
            row["remittance_text"] = f"betaling {grouped} bedankt"
        elif kind == "number":
            row["remittance_text"] = f"Factuur {inv['invoice_number']} klant {inv['customer_id']}"
            row["counterparty_iban"] = None
        elif kind == "iban_subset":
            take = group["open_minor"][: 2 + index % 2]
            row["amount_minor"] = int(sum(take))
            row["counterparty_iban"] = _iban(group["customer_id"])
        elif kind == "noise":
            row["counterparty_iban"] = "NL99NONE0000000001"
            row["amount_minor"] = int(rng.integers(1, 10_000_000))
            row["remittance_text"] = "gift"
        rows.append(row)
    return pl.DataFrame(rows)


def main() -> None:
    """Generate, time match_statement, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    ledger = _ledger(rng, args.invoices, args.customers)
    customer_ibans = pl.DataFrame(
        {"customer_id": np.arange(1, args.customers + 1, dtype=np.int64)}
    ).with_columns(
        iban=pl.format("NL00TEST{}", pl.col("customer_id").cast(pl.String).str.zfill(10))
    )
    statement = _entries(rng, ledger, args.entries)
    started = time.perf_counter()
    result = match_statement(statement, ledger, customer_ibans)
    elapsed = time.perf_counter() - started
    summary = result.summary()
    print(
        json.dumps(
            {
                "entries": statement.height,
                "invoices": ledger.height,
                "match_s": round(elapsed, 2),
                "matched_by_rule": summary["matched"],
                "unmatched": summary["unmatched"],
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
