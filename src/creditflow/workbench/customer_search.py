"""The customer list: search by name, customer number or invoice number, one page at a time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, func, select, union
from sqlalchemy.orm import Session

from creditflow.ledger.models import Customer, Invoice, InvoiceDunning
from creditflow.money import Money
from creditflow.staff.models import StaffUser
from creditflow.staff.service import Staff
from creditflow.workbench.portfolio import customer_scope

__all__ = ["OPEN_STATUSES", "PAGE_SIZE", "CustomerList", "CustomerRow", "search_customers"]

PAGE_SIZE = 25
OPEN_STATUSES = ("open", "disputed")


@dataclass
class CustomerRow:
    """One customer in the list: what is open per currency and how far dunning went."""

    pk: int
    customer_id: str
    name: str
    segment: str | None
    collector: str | None
    do_not_contact: str | None
    paused_until: date | None
    balances: list[Money] = field(default_factory=list)
    level: int = 0
    step: str | None = None
    disputed: bool = False


@dataclass
class CustomerList:
    """One page of the search result."""

    rows: list[CustomerRow]
    query: str
    page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the result has (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))


def _matching(session: Session, staff: Staff, query: str) -> ColumnElement[bool]:
    """Customer keys in the staff member's portfolio that match the search text.

    A customer or invoice number matches exactly (as typed or in capitals; the unique
    indexes answer at once) and then only those customers are listed; any other text
    is looked for in the names, ignoring case.
    """
    found = customer_scope(staff)
    text = query.strip()
    if not text:
        return found
    numbers = list({text, text.upper()})
    by_number = list(
        session.scalars(
            union(
                select(Customer.id).where(Customer.customer_id.in_(numbers)),
                select(Invoice.customer_id).where(Invoice.invoice_number.in_(numbers)),
            )
        )
    )
    if by_number:
        return and_(found, Customer.id.in_(by_number))
    return and_(found, func.lower(Customer.name).like(f"%{text.lower()}%"))


def search_customers(
    session: Session,
    staff: Staff,
    query: str,
    page: int,
    size: int = PAGE_SIZE,
    only: list[int] | None = None,
) -> CustomerList:
    """The customers matching `query` on page `page` (1-based), by name; only the portfolio,
    and only those in `only` when given (a dashboard drill-down)."""
    matching = _matching(session, staff, query)
    if only is not None:  # written into the SQL as numbers: no limit on bound parameters
        keys: BindParameter[list[int]] = bindparam(
            "only_keys", [int(k) for k in only], expanding=True, literal_execute=True
        )
        matching = and_(matching, Customer.id.in_(keys))
    total = session.scalar(select(func.count(Customer.id)).where(matching)) or 0
    page = max(1, page)
    rows = session.execute(
        select(Customer, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == Customer.collector_id)
        .where(matching)
        .order_by(Customer.name, Customer.id)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    found = {
        c.id: CustomerRow(
            c.id, c.customer_id, c.name, c.segment, email, c.do_not_contact, c.paused_until
        )
        for c, email in rows
    }
    _add_balances(session, found)
    return CustomerList(list(found.values()), query, page, total)


def _add_balances(session: Session, found: dict[int, CustomerRow]) -> None:
    """Open amounts per currency, the highest dunning level and any dispute of each row."""
    if not found:
        return
    open_invoice = (
        Invoice.customer_id.in_(list(found)),
        Invoice.open_minor > 0,
        Invoice.status.in_(OPEN_STATUSES),
    )
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for customer_pk, currency, minor in session.execute(
        select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.open_minor))
        .where(*open_invoice)
        .group_by(Invoice.customer_id, Invoice.currency)
    ):
        totals[customer_pk][currency] = int(minor)
    for customer_pk, by_currency in totals.items():
        found[customer_pk].balances = [
            Money.of_minor(minor, currency) for currency, minor in sorted(by_currency.items())
        ]
    for customer_pk, level, step, status in session.execute(
        select(Invoice.customer_id, InvoiceDunning.level, InvoiceDunning.step, Invoice.status)
        .outerjoin(InvoiceDunning, InvoiceDunning.invoice_id == Invoice.id)
        .where(*open_invoice)
    ):
        row = found[customer_pk]
        if level is not None and level > row.level:
            row.level, row.step = level, step
        row.disputed = row.disputed or status == "disputed"
