"""A collector's portfolio: which customers a staff member may open and work.

The rule is `staff/portfolio.py` (the API uses it too). Every workbench query over
customers adds `customer_scope(staff)`, and every page of one customer starts with
`open_customer`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from creditflow.ledger.models import Customer
from creditflow.staff.access import AccessDenied
from creditflow.staff.portfolio import (
    PORTFOLIO_ROLES,
    customer_scope,
    limited_to_portfolio,
    may_open,
)
from creditflow.staff.service import Staff

__all__ = [
    "PORTFOLIO_ROLES",
    "customer_scope",
    "limited_to_portfolio",
    "may_open",
    "open_customer",
]


def open_customer(session: Session, staff: Staff, customer_pk: int) -> Customer:
    """The customer by primary key; 404 when there is none, 403 outside the portfolio."""
    customer = session.get(Customer, customer_pk)
    if customer is None:
        raise AccessDenied(404, "There is no such page or record.", page=True)
    if not may_open(staff, customer):
        raise AccessDenied(403, "This customer is not in your portfolio.", page=True)
    return customer
