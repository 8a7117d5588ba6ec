"""Allocating payments to a customer's open invoices and charges, in bulk.

The named (or referenced) invoices come first, then the customer's other open
invoices oldest first; within that, costs -> interest -> principal (art. 6:44 BW).
A payment for invoices already settled (imported as paid) documents their
settlement. What is left stays as credit on the customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Connection, text

from creditflow.compliance.allocation import LEGAL_ORDER, OpenItem, allocate_payment
from creditflow.money import Money
from creditflow.store import (
    bulk_insert,
    bulk_update,
    db_value,
    in_ids,
    json_id_array,
    read_frame,
)

if TYPE_CHECKING:
    from creditflow.ledger.payments import IncomingPayment


class PaymentAllocator:
    """Allocates payments against the open items of the customers involved, in bulk."""

    def __init__(self, conn: Connection, order: tuple[str, ...] = LEGAL_ORDER) -> None:
        self.conn = conn
        self.order = order
        self.invoices: dict[int, dict[str, Any]] = {}
        self.charges: dict[int, dict[str, Any]] = {}
        self.by_customer: dict[int, list[int]] = {}
        self.charges_by_customer: dict[int, list[int]] = {}
        self.credit: dict[int, int] = {}
        self.settled: dict[int, dict[str, Any]] = {}
        self.settled_on: dict[int, Any] = {}
        self.allocations: list[tuple[Any, ...]] = []

    def load(self, customer_pks: set[int]) -> None:
        """Load the open invoices and charges of these customers."""
        if not customer_pks:
            return
        ids = {"ids": json_id_array(pl.Series(sorted(customer_pks), dtype=pl.Int64))}
        of_customers = in_ids("customer_id", self.conn.dialect.name)
        inv = read_frame(
            self.conn,
            "SELECT id, customer_id, currency, open_minor, due_date, status FROM invoice "  # noqa: S608 - constants only
            f"WHERE open_minor > 0 AND status IN ('open', 'disputed') AND {of_customers}",
            {
                "id": pl.Int64,
                "customer_pk": pl.Int64,
                "currency": pl.Utf8,
                "open_minor": pl.Int64,
                "due_date": pl.Date,
                "status": pl.Utf8,
            },
            ids,
        ).sort("due_date", "id")
        for row in inv.iter_rows(named=True):
            self.invoices[row["id"]] = row
            self.by_customer.setdefault(row["customer_pk"], []).append(row["id"])
        charges = read_frame(
            self.conn,
            "SELECT id, customer_id, currency, open_minor, charged_on, kind FROM charge "  # noqa: S608 - constants only
            f"WHERE open_minor > 0 AND {of_customers}",
            {
                "id": pl.Int64,
                "customer_pk": pl.Int64,
                "currency": pl.Utf8,
                "open_minor": pl.Int64,
                "charged_on": pl.Date,
                "kind": pl.Utf8,
            },
            ids,
        )
        for row in charges.iter_rows(named=True):
            self.charges[row["id"]] = row
            self.charges_by_customer.setdefault(row["customer_pk"], []).append(row["id"])

    def load_settled(self, invoice_pks: set[int]) -> None:
        """Amount, payment date and what is already allocated for settled target invoices."""
        wanted = invoice_pks - set(self.invoices)
        if not wanted:
            return
        frame = read_frame(
            self.conn,
            "SELECT i.id, i.amount_minor, i.paid_on, (SELECT COALESCE(SUM(a.amount_minor), 0) "  # noqa: S608 - constants only
            "FROM allocation a WHERE a.invoice_id = i.id) FROM invoice i "
            f"WHERE i.open_minor = 0 AND {in_ids('i.id', self.conn.dialect.name)}",
            {"id": pl.Int64, "amount_minor": pl.Int64, "paid_on": pl.Date, "allocated": pl.Int64},
            {"ids": json_id_array(pl.Series(sorted(wanted), dtype=pl.Int64))},
        )
        for row in frame.iter_rows(named=True):
            self.settled[row["id"]] = row

    def allocate(self, payment_pk: int, payment: IncomingPayment) -> Money:
        """Allocate one payment; returns what is left unallocated (credit).

        The named (or referenced) invoices come first; what they do not take goes to
        the customer's other open invoices, oldest first: a transfer of the whole
        balance quoting one invoice's reference pays them all. Only what is left
        after every open item is credit.
        """
        if payment.customer_pk is None:
            return payment.amount
        targets = payment.invoice_pks or ([payment.invoice_pk] if payment.invoice_pk else [])
        left = payment.amount
        if targets and all(t in self.settled for t in targets):
            left = self._document_settlement(payment_pk, payment, targets)
            if left.minor:
                self.credit[payment.customer_pk] = (
                    self.credit.get(payment.customer_pk, 0) + left.minor
                )
            return left
        if targets:
            left = self._apply(payment_pk, payment, left, targets, "invoice", with_charges=True)
        others = [i for i in self.by_customer.get(payment.customer_pk, []) if i not in targets]
        if left.minor > 0:
            left = self._apply(
                payment_pk, payment, left, others, "oldest_first", with_charges=not targets
            )
        if left.minor:
            self.credit[payment.customer_pk] = self.credit.get(payment.customer_pk, 0) + left.minor
        return left

    def _document_settlement(
        self, payment_pk: int, payment: IncomingPayment, targets: list[int]
    ) -> Money:
        """A payment for invoices already settled (imported as paid): it is their settlement.

        It is recorded against them up to what they lack in allocations, and dates
        their payment for the paid history; anything beyond is a double payment and
        stays as credit, never spread over other invoices.
        """
        currency = payment.amount.currency
        left = payment.amount.minor
        for iid in targets:
            invoice = self.settled[iid]
            lacking = max(int(invoice["amount_minor"]) - int(invoice["allocated"]), 0)
            part = min(lacking, left)
            if part:
                invoice["allocated"] = int(invoice["allocated"]) + part
                self.allocations.append((payment_pk, iid, None, part, currency, "settlement"))
                if invoice["paid_on"] is None:
                    invoice["paid_on"] = payment.paid_at.date()
                    self.settled_on[iid] = invoice["paid_on"]
                left -= part
        return Money.of_minor(left, currency)

    def _open_items(
        self, customer_pk: int, currency: str, invoice_pks: list[int], with_charges: bool
    ) -> list[OpenItem]:
        items: list[OpenItem] = []
        if with_charges:
            for cid in self.charges_by_customer.get(customer_pk, []):
                charge = self.charges[cid]
                if charge["currency"] == currency and int(charge["open_minor"]) > 0:
                    kind = "interest" if charge["kind"] == "interest" else "costs"
                    open_amount = Money.of_minor(int(charge["open_minor"]), currency)
                    items.append(OpenItem(f"c{cid}", kind, open_amount, charge["charged_on"]))
        for iid in invoice_pks:
            invoice = self.invoices.get(iid)
            if invoice and invoice["currency"] == currency and int(invoice["open_minor"]) > 0:
                open_amount = Money.of_minor(int(invoice["open_minor"]), currency)
                items.append(OpenItem(f"i{iid}", "principal", open_amount, invoice["due_date"]))
        return items

    def _apply(
        self,
        payment_pk: int,
        payment: IncomingPayment,
        amount: Money,
        invoice_pks: list[int],
        rule: str,
        *,
        with_charges: bool,
    ) -> Money:
        """Apply `amount` to these invoices (and open charges first); return the rest."""
        assert payment.customer_pk is not None
        currency = amount.currency
        items = self._open_items(payment.customer_pk, currency, invoice_pks, with_charges)
        result = allocate_payment(amount, items, self.order)
        for line in result.lines:
            pk = int(line.item_id[1:])
            if line.item_id.startswith("i"):
                self.invoices[pk]["open_minor"] = line.remaining.minor
                self.invoices[pk]["paid_on"] = payment.paid_at.date()
                self.allocations.append((payment_pk, pk, None, line.amount.minor, currency, rule))
            else:
                self.charges[pk]["open_minor"] = line.remaining.minor
                self.allocations.append((payment_pk, None, pk, line.amount.minor, currency, rule))
        return result.credit

    def flush(self, now: datetime) -> None:
        """Write allocations and the new open amounts."""
        bulk_insert(
            self.conn,
            "allocation",
            [
                "payment_id",
                "invoice_id",
                "charge_id",
                "amount_minor",
                "currency",
                "rule",
                "created_at",
            ],
            ((*a, now) for a in self.allocations),
        )
        touched = {a[1] for a in self.allocations if a[1] is not None and a[1] in self.invoices}
        bulk_update(
            self.conn,
            "invoice",
            "id",
            ["open_minor", "status", "paid_on", "updated_at"],
            (
                (
                    self.invoices[i]["open_minor"],
                    "paid"
                    if self.invoices[i]["open_minor"] == 0 and self.invoices[i]["status"] == "open"
                    else self.invoices[i]["status"],
                    self.invoices[i]["paid_on"] if self.invoices[i]["open_minor"] == 0 else None,
                    now,
                    i,
                )
                for i in touched
            ),
        )
        touched_charges = {a[2] for a in self.allocations if a[2] is not None}
        bulk_update(
            self.conn,
            "charge",
            "id",
            ["open_minor"],
            ((self.charges[c]["open_minor"], c) for c in touched_charges),
        )
        if self.settled_on:
            self.conn.execute(
                text("UPDATE invoice SET paid_on = :d WHERE id = :i AND paid_on IS NULL"),
                [
                    {"d": db_value(day, self.conn.dialect.name), "i": iid}
                    for iid, day in self.settled_on.items()
                ],
            )
            self.settled_on = {}
        if self.credit:
            self.conn.execute(
                text("UPDATE customer SET credit_minor = credit_minor + :m WHERE id = :c"),
                [{"m": minor, "c": customer_pk} for customer_pk, minor in self.credit.items()],
            )
        self.allocations = []
        self.credit = {}
