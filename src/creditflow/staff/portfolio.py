"""A collector's portfolio: which customers a staff member may see (pages and API alike).

Collectors see the customers assigned to them (`customer.collector_id`); admins,
managers, viewers and API keys see every customer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from creditflow.ledger.models import Customer
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
