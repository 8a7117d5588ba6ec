"""Contact points: how each customer can be reached, kept in step with imports."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
import polars as pl
from sqlalchemy import Connection, text

from creditflow.store import bulk_insert, bulk_insert_frame, read_frame


def postal_address(frame: pl.DataFrame) -> pl.Expr:
    """The postal address lines of a customer joined by newlines (null when incomplete)."""
    complete = (
        pl.col("address_line1").is_not_null()
        & pl.col("postal_code").is_not_null()
        & pl.col("city").is_not_null()
    )
    lines = pl.concat_str(
        [
            pl.col("name"),
            pl.col("address_line1"),
            pl.col("address_line2"),
            pl.concat_str([pl.col("postal_code"), pl.col("city")], separator="  "),
            pl.col("country"),
        ],
        separator="\n",
        ignore_nulls=True,
    )
    return pl.when(complete).then(lines).otherwise(None)


def desired_contact_points(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per (customer, channel, address) that the imported values imply."""
    parts = [
        frame.select("id", pl.lit("email").alias("channel"), pl.col("email").alias("address")),
        frame.select("id", pl.lit("voice").alias("channel"), pl.col("phone").alias("address")),
        frame.filter(pl.col("__phone_mobile")).select(
            "id", pl.lit("sms").alias("channel"), pl.col("phone").alias("address")
        ),
        frame.select(
            "id", pl.lit("whatsapp").alias("channel"), pl.col("whatsapp").alias("address")
        ),
        frame.select(
            "id", pl.lit("letter").alias("channel"), postal_address(frame).alias("address")
        ),
    ]
    points = pl.concat(parts).drop_nulls("address").unique(maintain_order=True)
    opt = frame.select("id", pl.col("opt_out").fill_null("").str.split(";").alias("opted"))
    return (
        points.join(opt, on="id", how="left")
        .with_columns(
            pl.col("opted").list.contains(pl.col("channel")).fill_null(False).alias("opted_out")
        )
        .drop("opted")
    )


def register_opt_outs(conn: Connection, customer_pks: list[int]) -> pl.DataFrame:
    """(id, channel) where the customer's latest consent row is a withdrawal given
    outside an import (a STOP reply, the portal, staff): the file cannot undo these."""
    empty = pl.DataFrame(schema={"id": pl.Int64, "channel": pl.Utf8})
    if not customer_pks:
        return empty
    rows = read_frame(
        conn,
        "SELECT customer_id AS id, channel, granted, source, id AS seq FROM consent",
        {
            "id": pl.Int64,
            "channel": pl.Utf8,
            "granted": pl.Boolean,
            "source": pl.Utf8,
            "seq": pl.Int64,
        },
    )
    if rows.height == 0:
        return empty
    latest = (
        rows.filter(pl.col("id").is_in(customer_pks)).sort("seq").group_by("id", "channel").last()
    )
    return latest.filter(~pl.col("granted") & (pl.col("source") != "import")).select(
        "id", "channel"
    )


def with_register_opt_outs(frame: pl.DataFrame, opt_outs: pl.DataFrame) -> pl.DataFrame:
    """The frame's `opt_out` column (";"-separated) joined with the register's opt-outs."""
    if opt_outs.height == 0:
        return frame
    extra = opt_outs.group_by("id").agg(pl.col("channel").sort().alias("__register"))
    own = (
        pl.col("opt_out")
        .fill_null("")
        .str.split(";")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    joined = frame.join(extra, on="id", how="left").with_columns(
        pl.concat_list([own, pl.col("__register").fill_null([])])
        .list.unique(maintain_order=True)
        .list.join(";")
        .alias("opt_out")
    )
    return joined.drop("__register").with_columns(
        pl.when(pl.col("opt_out") == "").then(None).otherwise(pl.col("opt_out")).alias("opt_out")
    )


def sync_contact_points(conn: Connection, touched: pl.DataFrame, now: datetime) -> None:
    """Make the import-sourced contact points of these customers match the file."""
    ids = read_frame(
        conn,
        "SELECT id AS cid, customer_id FROM customer",
        {"cid": pl.Int64, "customer_id": pl.Utf8},
    )
    frame = touched.drop("id", strict=False).join(ids, on="customer_id").rename({"cid": "id"})
    for flag in ("__phone_mobile", "__whatsapp_mobile"):
        if flag not in frame.columns:
            frame = frame.with_columns(pl.lit(False).alias(flag))
    desired = desired_contact_points(frame)
    existing = read_frame(
        conn,
        "SELECT id AS point_id, customer_id AS id, channel, address, opted_out, source "
        "FROM contact_point",
        {
            "point_id": pl.Int64,
            "id": pl.Int64,
            "channel": pl.Utf8,
            "address": pl.Utf8,
            "opted_out": pl.Boolean,
            "source": pl.Utf8,
        },
    ).join(frame.select("id"), on="id", how="semi")
    stale = existing.filter(pl.col("source") == "import").join(
        desired, on=["id", "channel", "address"], how="anti"
    )
    if stale.height:
        conn.execute(
            text("DELETE FROM contact_point WHERE id = :pid"),
            [{"pid": pid} for pid in stale.get_column("point_id").to_list()],
        )
    new = desired.join(existing, on=["id", "channel", "address"], how="anti")
    bulk_insert_frame(
        conn,
        "contact_point",
        new.select(
            pl.col("id").alias("customer_id"),
            "channel",
            "address",
            pl.lit(True).alias("valid"),
            "opted_out",
            pl.lit("import").alias("source"),
            pl.lit(now).alias("updated_at"),
        ),
    )
    kept = desired.join(existing, on=["id", "channel", "address"], how="inner").filter(
        pl.col("opted_out") != pl.col("opted_out_right")
    )
    if kept.height:
        conn.execute(
            text("UPDATE contact_point SET opted_out = :o WHERE id = :pid"),
            [{"o": o, "pid": pid} for pid, o in kept.select("point_id", "opted_out").iter_rows()],
        )
    _record_opt_out_consents(conn, frame, now)


def _record_opt_out_consents(conn: Connection, frame: pl.DataFrame, now: datetime) -> None:
    """Add an opt-out to the consent register where the file states a new one."""
    wanted = (
        frame.select("id", pl.col("opt_out").fill_null("").str.split(";").alias("channel"))
        .explode("channel")
        .filter(pl.col("channel") != "")
    )
    if wanted.height == 0:
        return
    latest = read_frame(
        conn,
        "SELECT customer_id AS id, channel, granted, id AS seq FROM consent",
        {"id": pl.Int64, "channel": pl.Utf8, "granted": pl.Boolean, "seq": pl.Int64},
    )
    if latest.height:
        latest = latest.sort("seq").group_by("id", "channel").last()
        already = latest.filter(~pl.col("granted")).select("id", "channel")
        wanted = wanted.join(already, on=["id", "channel"], how="anti")
    bulk_insert(
        conn,
        "consent",
        ["customer_id", "channel", "granted", "source", "evidence", "recorded_at"],
        ((cid, ch, False, "import", "opt_out column", now) for cid, ch in wanted.iter_rows()),
    )


def normalise_contact(text: str, country: str) -> tuple[str, str] | None:
    """("email", lower-cased address) or ("phone", E.164 number); None when it is neither."""
    value = (text or "").strip()
    if "@" in value:
        return "email", value.lower()
    try:
        number = phonenumbers.parse(value, country or "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
