"""Invoice import: set-based checks across fields, references, and the upsert."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from creditflow.config import Settings
from creditflow.ledger.formats import FileFormat, normalise_formats
from creditflow.ledger.validation import Checked, check_frame, currency_digits
from creditflow.models import utcnow
from creditflow.money import check_currency, minor_units_expr
from creditflow.store import bulk_insert_frame, bulk_update, frame_rows, read_frame


def _currency_digits_map(raw: pl.DataFrame, default: str) -> dict[str, int]:
    values = raw.get_column("currency").drop_nulls().unique().to_list() if "currency" in raw else []
    digits: dict[str, int] = {default: currency_digits(default)}
    for value in values:
        try:
            digits[value] = currency_digits(check_currency(value))
        except ValueError:
            continue
    return digits


def _reference_checks(raw: pl.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    from creditflow.ledger.references import check_reference

    normal: dict[str, str] = {}
    errors: dict[str, str] = {}
    if "payment_reference" not in raw.columns:
        return normal, errors
    from creditflow.ledger.references import betalingskenmerk16_valid_expr

    distinct = raw.select(pl.col("payment_reference").drop_nulls().unique())
    checked = distinct.with_columns(
        betalingskenmerk16_valid_expr(pl.col("payment_reference")).alias("__ok")
    )
    for value in checked.filter(pl.col("__ok")).get_column("payment_reference").to_list():
        normal[value] = value
    for value in checked.filter(~pl.col("__ok")).get_column("payment_reference").to_list():
        try:
            normal[value] = check_reference(value)
        except ValueError as exc:
            errors[value] = f"payment_reference: '{value}' {exc}"
    return normal, errors


def prepare_invoices(
    raw: pl.DataFrame,
    customers: pl.DataFrame,
    settings: Settings,
    file_format: FileFormat | None = None,
) -> tuple[Checked, pl.DataFrame]:
    """Check an invoices frame and normalise the good rows (amounts in minor units)."""
    from creditflow.ledger.imports import INVOICE_COLUMNS, INVOICE_FIELDS, row_hashes

    file_columns = list(raw.columns)
    as_read = raw
    normal = normalise_formats(raw, INVOICE_COLUMNS, file_format or FileFormat())
    raw = normal.frame
    default_currency = settings.organisation.default_currency
    for col in INVOICE_COLUMNS:
        if col.name not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
    digits = _currency_digits_map(raw, default_currency)
    currency = pl.col("currency").str.to_uppercase().fill_null(default_currency)
    raw = raw.with_columns(
        currency.replace_strict(digits, default=None, return_dtype=pl.Int64).alias("__digits")
    )
    raw = raw.join(customers, on="customer_id", how="left")
    refs, ref_errors = _reference_checks(raw)
    issue = pl.col("issue_date").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    due = pl.col("due_date").str.strptime(pl.Date, "%Y-%m-%d", strict=False)

    def too_many_decimals(name: str) -> pl.Expr:
        decimals = pl.col(name).str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)
        return pl.when(pl.col(name).is_not_null() & (decimals > pl.col("__digits"))).then(
            pl.format(
                "{}: '{}' has more decimals than {} allows", pl.lit(name), pl.col(name), currency
            )
        )

    amount_ok = pl.col("amount").str.contains(r"^\d+(\.\d+)?$").fill_null(False)
    open_ok = pl.col("open_amount").str.contains(r"^\d+(\.\d+)?$").fill_null(False)
    extra = [
        pl.when(pl.col("customer_id").is_not_null() & pl.col("customer_pk").is_null()).then(
            pl.format("customer_id: unknown customer '{}'", pl.col("customer_id"))
        ),
        pl.when(issue.is_not_null() & due.is_not_null() & (due < issue)).then(
            pl.lit("due_date: before issue_date")
        ),
        too_many_decimals("amount"),
        too_many_decimals("open_amount"),
        pl.when(
            amount_ok
            & open_ok
            & (
                pl.col("open_amount").cast(pl.Decimal(38, 6), strict=False)
                > pl.col("amount").cast(pl.Decimal(38, 6), strict=False)
            )
        ).then(pl.lit("open_amount: larger than amount")),
        pl.col("payment_reference").replace_strict(ref_errors, default=None, return_dtype=pl.Utf8),
        *normal.errors,
    ]
    checked = check_frame(
        raw,
        normal.columns,
        key="invoice_number",
        extra_errors=extra,
        file_columns=file_columns,
        original=as_read,
    )
    checked.warnings += normal.warnings
    good = checked.good.with_columns(
        pl.col("currency").fill_null(default_currency),
        pl.col("status").fill_null("open"),
        pl.col("payment_reference").replace_strict(refs, default=None, return_dtype=pl.Utf8),
    )
    good = good.with_columns(
        row_hashes(good.with_columns(pl.col(pl.Date).cast(pl.Utf8)), INVOICE_FIELDS)
    )
    good = good.with_columns(
        minor_units_expr(pl.col("amount"), pl.col("__digits")).alias("amount_minor"),
        pl.when(pl.col("open_amount").is_not_null())
        .then(minor_units_expr(pl.col("open_amount"), pl.col("__digits")))
        .otherwise(None)
        .alias("given_open_minor"),
    )
    return checked, good


def write_invoices(
    conn: Connection, good: pl.DataFrame, settings: Settings, *, only: list[str] | None = None
) -> tuple[int, int, int]:
    """Upsert prepared invoices; returns (imported, updated, unchanged).

    An updated invoice's open amount is its amount less the payments allocated to it
    and the credit notes set against it. `only`: read just these invoice numbers of
    the ledger (one API request), not every invoice (a file).
    """
    from creditflow.ledger.imports import only_params, only_where
    from creditflow.ledger.references import reference_for_invoice

    where = only_where(only, "i.invoice_number")
    existing = read_frame(
        conn,
        "SELECT i.id, i.invoice_number, i.row_hash, i.payment_reference AS existing_reference, "  # noqa: S608
        "COALESCE(a.allocated, 0) + COALESCE(cn.credited, 0) AS allocated FROM invoice i "
        "LEFT JOIN (SELECT invoice_id, SUM(amount_minor) AS allocated FROM allocation "
        "GROUP BY invoice_id) a ON a.invoice_id = i.id "
        "LEFT JOIN (SELECT invoice_id, SUM(applied_minor) AS credited FROM credit_note "
        "GROUP BY invoice_id) cn ON cn.invoice_id = i.id" + where,
        {
            "id": pl.Int64,
            "invoice_number": pl.Utf8,
            "existing_hash": pl.Utf8,
            "existing_reference": pl.Utf8,
            "allocated": pl.Int64,
        },
        only_params(only),
    )
    merged = good.join(existing, on="invoice_number", how="left").with_columns(
        pl.col("allocated").fill_null(0)
    )
    new = merged.filter(pl.col("id").is_null())
    changed = merged.filter(
        pl.col("id").is_not_null() & (pl.col("existing_hash") != pl.col("row_hash"))
    )
    unchanged = merged.height - new.height - changed.height
    scheme = settings.organisation.reference_scheme
    max_id = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM invoice").scalar() or 0
    missing_ref = new.filter(pl.col("payment_reference").is_null())
    generated = {
        number: reference_for_invoice(number, int(max_id) + seq + 1, scheme)
        for seq, number in enumerate(missing_ref.get_column("invoice_number").to_list())
    }
    new = new.with_columns(
        pl.col("payment_reference").fill_null(
            pl.col("invoice_number").replace_strict(generated, default=None, return_dtype=pl.Utf8)
        )
    )
    changed = changed.with_columns(
        pl.col("payment_reference").fill_null(pl.col("existing_reference"))
    )
    now = utcnow()
    columns = [
        "invoice_number",
        "customer_id",
        "issue_date",
        "due_date",
        "currency",
        "amount_minor",
        "open_minor",
        "status",
        "dispute_reason",
        "description",
        "payment_reference",
        "paid_on",
        "row_hash",
        "updated_at",
    ]
    new_values = _invoice_values(new, now).with_columns(pl.lit(now).alias("created_at"))
    bulk_insert_frame(conn, "invoice", new_values.select([*columns, "created_at"]))
    if changed.height:
        values = _invoice_values(changed, now).with_columns(changed.get_column("id"))
        bulk_update(conn, "invoice", "id", columns, frame_rows(values, [*columns, "id"]))
    return new.height, changed.height, unchanged


def _invoice_values(frame: pl.DataFrame, now: object) -> pl.DataFrame:
    """Database values of prepared invoices: open amount and status made consistent."""
    open_minor = (
        pl.when(pl.col("given_open_minor").is_not_null())
        .then(pl.col("given_open_minor"))
        .when(pl.col("status").is_in(["paid", "written_off"]))
        .then(0)
        .otherwise((pl.col("amount_minor") - pl.col("allocated")).clip(lower_bound=0))
    )
    return frame.with_columns(open_minor.alias("open_minor")).with_columns(
        pl.col("customer_pk").alias("customer_id"),
        pl.when((pl.col("open_minor") == 0) & (pl.col("status") == "open"))
        .then(pl.lit("paid"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.col("paid_date").alias("paid_on"),
        pl.lit(now).alias("updated_at"),
    )
