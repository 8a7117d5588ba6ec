"""The customers who hold open invoices, as one condition the daily reads share."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection

from creditflow.store import in_ids, json_id_array

__all__ = ["OPEN_INVOICE_CUSTOMERS", "of_customers_owing"]

OPEN_INVOICE_CUSTOMERS = (
    "SELECT customer_id FROM invoice WHERE open_minor > 0 AND status IN ('open', 'disputed')"
)


def of_customers_owing(
    conn: Connection, column: str, invoices: pl.DataFrame
) -> tuple[str, dict[str, Any]]:
    """The SQL condition that `column` is a customer of `invoices` (the open invoices
    just read, with `customer_pk`), and its parameters.

    On SQLite their ids travel as one JSON array (read by json_each), which is twice as
    fast as SQLite's own semi-join over the invoice table; PostgreSQL plans the
    semi-join well.
    """
    if conn.dialect.name == "sqlite":
        ids = invoices.get_column("customer_pk").unique().sort()
        return in_ids(column, "sqlite"), {"ids": json_id_array(ids)}
    return f"{column} IN ({OPEN_INVOICE_CUSTOMERS})", {}
