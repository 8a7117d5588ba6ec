"""Import customers and invoices from CSV/XLSX (DESIGN 4.3): validate, upsert, report.

Re-importing the same file changes nothing: rows are compared by a hash of their
normalised values and counted as imported, updated or unchanged. A re-import never
undoes what the debtor asked for since: an opt-out in the consent register (a STOP
reply, the portal) stays, whatever the file's opt_out column says, and a customer
pseudonymised on request (GDPR) gets no personal data back (counted as unchanged,
with a warning naming the customer_id).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine

from creditflow.config import Settings
from creditflow.ledger import fields
from creditflow.ledger.formats import FileFormat
from creditflow.ledger.validation import (
    Column,
    check_frame,
    check_values,
    read_table,
    write_rejects,
)
from creditflow.models import utcnow
from creditflow.store import bulk_insert_frame, bulk_update, frame_rows, read_frame


@dataclass
class ImportSummary:
    """Counts of an import and where the rejected rows went."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary printed by `creditflow import`."""
        text = (
            f"imported {self.imported}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )
        if self.rejects_path is not None:
            text += f" (rejects in {self.rejects_path})"
        return text


CUSTOMER_COLUMNS = (
    Column("customer_id", required=True, max_length=64),
    Column("name", required=True, max_length=200),
    Column("kind", required=True, kind="enum", choices=("consumer", "business")),
    Column("language", check_value=fields.check_language),
    Column("country", check_value=fields.check_country),
    Column("timezone", check_value=fields.check_timezone),
    Column("email", check_value=fields.check_email),
    Column("phone"),
    Column("whatsapp"),
    Column("address_line1", max_length=200),
    Column("address_line2", max_length=200),
    Column("postal_code", max_length=20),
    Column("city", max_length=100),
    Column("iban", check_value=fields.check_iban),
    Column("preferred_channel", check_value=fields.check_channel),
    Column("opt_out", check_value=fields.check_channels),
    Column("segment", max_length=64),
    Column("tags", max_length=400),
)

CUSTOMER_FIELDS = [c.name for c in CUSTOMER_COLUMNS]


def row_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable sha256 per row over the normalised values of `columns`."""
    joined = frame.select(
        pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in columns], separator="\x1f")
    ).to_series()
    return pl.Series(
        "row_hash", [hashlib.sha256(v.encode()).hexdigest() for v in joined], dtype=pl.Utf8
    )


def _phone_checks(frame: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """Check phone and WhatsApp numbers in each customer's own country."""
    default_country = settings.organisation.default_country
    country = pl.col("country").str.to_uppercase().fill_null(default_country)
    errors: list[pl.Expr] = []
    for name in ("phone", "whatsapp"):
        if name not in frame.columns:
            continue
        pairs = frame.select(pl.col(name), country.alias("c")).drop_nulls(name).unique()
        normal: dict[str, str] = {}
        mobile: dict[str, bool] = {}
        problems: dict[str, str] = {}
        values = list(pairs.iter_rows())
        for (value, ctry), (result, problem) in zip(
            values, check_values(fields.check_phone, values), strict=True
        ):
            key = f"{value}\x1f{ctry}"
            if problem is None:
                normal[key], mobile[key] = result
            else:
                problems[key] = f"{name}: {problem}"
        key_expr = pl.concat_str([pl.col(name), country], separator="\x1f")
        frame = frame.with_columns(
            key_expr.replace_strict(normal, default=None, return_dtype=pl.Utf8).alias(
                f"__{name}_e164"
            ),
            key_expr.replace_strict(mobile, default=False, return_dtype=pl.Boolean).alias(
                f"__{name}_mobile"
            ),
        )
        errors.append(key_expr.replace_strict(problems, default=None, return_dtype=pl.Utf8))
    return frame, errors


def _default_timezones(good: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Fill missing time zones from the country, or the phone number's area."""
    missing = good.filter(pl.col("timezone").is_null()).select("country", "phone").unique()
    zones: dict[str, str] = {}
    guessed: set[str] = set()
    for country, phone in missing.iter_rows():
        zone, certain = fields.default_timezone(country, phone)
        zones[f"{country}\x1f{phone or ''}"] = zone
        if not certain:
            guessed.add(f"{country} -> {zone}")
    key = pl.concat_str([pl.col("country"), pl.col("phone").fill_null("")], separator="\x1f")
    filled = good.with_columns(
        pl.col("timezone").fill_null(key.replace_strict(zones, default="UTC", return_dtype=pl.Utf8))
    )
    warnings = (
        [
            f"time zone assumed for rows without one ({', '.join(sorted(guessed))}); "
            "give the timezone column for countries with several zones"
        ]
        if guessed
        else []
    )
    return filled, warnings


def import_customers(
    engine: Engine, path: Path, settings: Settings, file_format: FileFormat | None = None
) -> ImportSummary:
    """Validate and upsert a customers file; write the rejects beside it."""
    raw = read_table(path, (file_format or FileFormat()).encoding)
    with engine.begin() as conn:
        summary, rejected = upsert_customers(conn, raw, settings)
    if rejected.height:
        summary.rejects_path = write_rejects(path, rejected)
    return summary


def upsert_customers(
    conn: Connection, raw: pl.DataFrame, settings: Settings, *, only_given: bool = False
) -> tuple[ImportSummary, pl.DataFrame]:
    """Validate and upsert customer rows (text columns plus `line`); returns the counts
    and the rejected rows (`line`, `error`). The CSV import and the API share it.

    With `only_given`, the existing rows read are only those of the given customer ids
    (one API request), not the whole table (a file).
    """
    file_columns = list(raw.columns)
    for name in ("phone", "whatsapp", "country"):
        if name not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(name))
    raw, phone_errors = _phone_checks(raw, settings)
    checked = check_frame(
        raw,
        CUSTOMER_COLUMNS,
        key="customer_id",
        extra_errors=phone_errors,
        file_columns=file_columns,
    )
    org = settings.organisation
    good = checked.good.with_columns(
        pl.col("phone").alias("__phone_raw"),
        pl.col("__phone_e164").alias("phone"),
        pl.col("__whatsapp_e164").alias("whatsapp"),
        pl.col("language").fill_null(org.default_language),
        pl.col("country").fill_null(org.default_country),
    )
    good, zone_warnings = _default_timezones(good)
    good = good.with_columns(row_hashes(good, CUSTOMER_FIELDS))
    summary = ImportSummary(
        warnings=checked.warnings + zone_warnings, rejected=checked.rejected.height
    )
    wanted = good.get_column("customer_id").to_list() if only_given else None
    existing = read_frame(
        conn,
        "SELECT id, customer_id, row_hash, pseudonymised_at IS NOT NULL AS forgotten "
        "FROM customer" + only_where(wanted, "customer_id"),
        {
            "id": pl.Int64,
            "customer_id": pl.Utf8,
            "existing_hash": pl.Utf8,
            "forgotten": pl.Boolean,
        },
        only_params(wanted),
    )
    merged = good.join(existing, on="customer_id", how="left")
    forgotten = merged.filter(pl.col("forgotten").fill_null(False))
    summary.warnings += _forgotten_warnings(forgotten.get_column("customer_id").to_list())
    merged = merged.filter(~pl.col("forgotten").fill_null(False))
    new = merged.filter(pl.col("id").is_null())
    changed = merged.filter(
        pl.col("id").is_not_null() & (pl.col("existing_hash") != pl.col("row_hash"))
    )
    summary.unchanged = forgotten.height + merged.height - new.height - changed.height
    if changed.height:
        from creditflow.ledger.contacts import register_opt_outs, with_register_opt_outs

        opt_outs = register_opt_outs(conn, changed.get_column("id").to_list())
        changed = with_register_opt_outs(changed, opt_outs)
    now = utcnow()
    bulk_insert_frame(conn, "customer", _customer_values(new, now))
    summary.imported = new.height
    if changed.height:
        upd = _customer_values(changed, now).drop("created_at", "risk", "credit_minor")
        cols = [c for c in upd.columns if c != "customer_id"]
        bulk_update(conn, "customer", "customer_id", cols, frame_rows(upd, [*cols, "customer_id"]))
        summary.updated = changed.height
    touched = pl.concat([new, changed], how="diagonal_relaxed")
    if touched.height:
        from creditflow.ledger.contacts import sync_contact_points

        sync_contact_points(conn, touched, now)
    return summary, checked.rejected


def only_where(values: list[str] | None, column: str) -> str:
    """A WHERE clause limiting a read to these key values (none: the whole table)."""
    if values is None:
        return ""
    if not values:
        return " WHERE 1 = 0"
    names = ", ".join(f":k{i}" for i in range(len(values)))
    return f" WHERE {column} IN ({names})"


def only_params(values: list[str] | None) -> dict[str, str]:
    """The parameters of `only_where`."""
    return {f"k{i}": v for i, v in enumerate(values or [])}


MAX_NAMED_WARNINGS = 20


def _forgotten_warnings(customer_ids: list[str]) -> list[str]:
    """One warning per pseudonymised customer in the file (the first few, then a count)."""
    shown = [
        f"customer_id {cid}: pseudonymised on request; not re-imported"
        for cid in customer_ids[:MAX_NAMED_WARNINGS]
    ]
    if len(customer_ids) > MAX_NAMED_WARNINGS:
        shown.append(
            f"{len(customer_ids) - MAX_NAMED_WARNINGS} more pseudonymised customers not re-imported"
        )
    return shown


def _customer_values(frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    credit_currency = "EUR"
    return frame.select(
        "customer_id",
        "name",
        "kind",
        "language",
        "country",
        "timezone",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "iban",
        "preferred_channel",
        pl.col("opt_out")
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("opt_out"),
        "segment",
        pl.col("tags")
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
        .alias("tags"),
        pl.lit(0.0).alias("risk"),
        pl.lit(0, dtype=pl.Int64).alias("credit_minor"),
        pl.lit(credit_currency).alias("credit_currency"),
        "row_hash",
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )


INVOICE_COLUMNS = (
    Column("invoice_number", required=True, max_length=64),
    Column("customer_id", required=True, max_length=64),
    Column("issue_date", required=True, kind="date"),
    Column("due_date", required=True, kind="date"),
    Column("amount", required=True, kind="amount"),
    Column("currency", kind="currency"),
    Column("open_amount", kind="amount"),
    Column("status", kind="enum", choices=("open", "disputed", "paid", "written_off")),
    Column("dispute_reason", max_length=400),
    Column("description", max_length=400),
    Column("payment_reference", check_value=None, max_length=35),
    Column("paid_date", kind="date"),
)

INVOICE_FIELDS = [c.name for c in INVOICE_COLUMNS]


def import_invoices(
    engine: Engine, path: Path, settings: Settings, file_format: FileFormat | None = None
) -> ImportSummary:
    """Validate and upsert an invoices file; write the rejects beside it."""
    file_format = file_format or FileFormat()
    raw = read_table(path, file_format.encoding)
    with engine.begin() as conn:
        summary, rejected = upsert_invoices(conn, raw, settings, file_format)
    if rejected.height:
        summary.rejects_path = write_rejects(path, rejected)
    return summary


def upsert_invoices(
    conn: Connection,
    raw: pl.DataFrame,
    settings: Settings,
    file_format: FileFormat,
    *,
    only_given: bool = False,
) -> tuple[ImportSummary, pl.DataFrame]:
    """Validate and upsert invoice rows (text plus `line`), by invoice number; returns
    the counts and the rejected rows. The CSV import and the API share it."""
    from creditflow.ledger.invoices import prepare_invoices, write_invoices

    wanted = (
        raw.get_column("customer_id").drop_nulls().unique().to_list()
        if only_given and "customer_id" in raw.columns
        else None
    )
    customers = read_frame(
        conn,
        "SELECT id AS customer_pk, customer_id FROM customer" + only_where(wanted, "customer_id"),  # noqa: S608
        {"customer_pk": pl.Int64, "customer_id": pl.Utf8},
        only_params(wanted),
    )
    checked, prepared = prepare_invoices(raw, customers, settings, file_format)
    summary = ImportSummary(warnings=checked.warnings, rejected=checked.rejected.height)
    numbers = prepared.get_column("invoice_number").to_list() if only_given else None
    summary.imported, summary.updated, summary.unchanged = write_invoices(
        conn, prepared, settings, only=numbers
    )
    return summary, checked.rejected
