"""IBM's public accounts-receivable data set as a creditflow ledger (benchmarks and tests).

The file (WA_Fn-UseC_-Accounts-Receivable.csv, 2,466 invoices of 100 customers,
2012-2013) has per invoice: customerID, invoiceNumber, InvoiceDate, DueDate,
InvoiceAmount, Disputed (Yes/No), SettledDate, DaysLate. Dates are M/D/YYYY.

`ledger_frame` reads it as a ledger frame (features.LEDGER_SCHEMA plus the truth);
`write_import_files` writes the customers, invoices and payments import files
(DESIGN 4.3) of the ledger as it was known on a day: invoices issued by then,
payments received by then.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl

_DAY = "%m/%d/%Y"


def ledger_frame(path: Path) -> pl.DataFrame:
    """The data set as a ledger frame: one row per invoice, with `late` (the truth)."""
    raw = pl.read_csv(path, infer_schema_length=0)
    return raw.select(
        pl.col("customerID").alias("customer_id"),
        pl.col("customerID").rank("dense").cast(pl.Int64).alias("customer_pk"),
        pl.col("invoiceNumber").alias("invoice_number"),
        pl.col("InvoiceDate").str.strptime(pl.Date, _DAY).alias("issue_date"),
        pl.col("DueDate").str.strptime(pl.Date, _DAY).alias("due_date"),
        pl.col("SettledDate").str.strptime(pl.Date, _DAY).alias("paid_on"),
        pl.col("InvoiceAmount").alias("amount"),
        (pl.col("InvoiceAmount").cast(pl.Float64) * 100)
        .round(0)
        .cast(pl.Int64)
        .alias("amount_minor"),
        (pl.col("Disputed") == "Yes").alias("disputed"),
        (pl.col("DaysLate").cast(pl.Int64) > 0).alias("late"),
        pl.col("DaysLate").cast(pl.Int64).alias("days_late"),
    )


def write_import_files(
    ledger: pl.DataFrame, as_of: date, folder: Path, *, disputes: bool = True
) -> dict[str, Path]:
    """Write customers.csv, invoices.csv and payments.csv as known at the end of as_of.

    With `disputes`, a disputed invoice carries a dispute reason (and status
    `disputed` while it is open); without, the ledger has no dispute information.
    """
    folder.mkdir(parents=True, exist_ok=True)
    known = ledger.filter(pl.col("issue_date") <= as_of)
    paid = known.filter(pl.col("paid_on") <= as_of)
    paths = {name: folder / f"{name}.csv" for name in ("customers", "invoices", "payments")}
    with paths["customers"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["customer_id", "name", "kind", "country"])
        for (customer,) in known.select("customer_id").unique().sort("customer_id").iter_rows():
            out.writerow([customer, f"Customer {customer}", "business", "NL"])
    with paths["invoices"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["invoice_number", "customer_id", "issue_date", "due_date", "amount",
                      "currency", "status", "dispute_reason"])  # fmt: skip
        for number, customer, issued, due, amount, disputed, settled in known.select(
            "invoice_number",
            "customer_id",
            "issue_date",
            "due_date",
            "amount",
            "disputed",
            "paid_on",
        ).iter_rows():
            is_open = settled > as_of
            marked = disputes and disputed
            status = "disputed" if marked and is_open else ""
            reason = "disputed (IBM data set)" if marked else ""
            out.writerow([number, customer, issued, due, amount, "EUR", status, reason])
    with paths["payments"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["payment_id", "amount", "paid_at", "currency", "customer_id",
                      "invoice_number"])  # fmt: skip
        for number, customer, amount, settled in paid.select(
            "invoice_number", "customer_id", "amount", "paid_on"
        ).iter_rows():
            out.writerow([f"P-{number}", amount, settled, "EUR", customer, number])
    return paths
