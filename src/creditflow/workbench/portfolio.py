"""A collector's portfolio: which customers a staff member may open and work.

Collectors see the customers assigned to them (`customer.collector_id`); admins,
managers and viewers see every customer. Every workbench query over customers adds
`customer_scope(staff)`, and every page of one customer starts with `open_customer`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from creditflow.ledger.models import Customer
from creditflow.staff.access import AccessDenied
from creditflow.staff.service import Staff

PORTFOLIO_ROLES = frozenset({"collector"})


def limited_to_portfolio(staff: Staff) -> bool:
    """True when this staff member sees only their own portfolio."""
    return staff.kind == "user" and staff.role in PORTFOLIO_ROLES


def customer_scope(staff: Staff) -> ColumnElement[bool]:
    """The WHERE clause on `customer` for the customers this staff member may see."""
    if limited_to_portfolio(staff):
        return Customer.collector_id == staff.user_id
    return true()


def may_open(staff: Staff, customer: Customer) -> bool:
    """True when this staff member may open this customer."""
    return not limited_to_portfolio(staff) or customer.collector_id == staff.user_id


def open_customer(session: Session, staff: Staff, customer_pk: int) -> Customer:
    """The customer by primary key; 404 when there is none, 403 outside the portfolio."""
    customer = session.get(Customer, customer_pk)
    if customer is None:
        raise AccessDenied(404, "There is no such page or record.", page=True)
    if not may_open(staff, customer):
        raise AccessDenied(403, "This customer is not in your portfolio.", page=True)
    return customer
