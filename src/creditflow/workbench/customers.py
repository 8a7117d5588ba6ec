"""Customer 360: the customer list and one customer's page, with the message viewer.

Every page goes through the portfolio check (`portfolio.customer_scope` for the list,
`portfolio.open_customer` for one customer). The forms are in `customer_actions`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from creditflow.staff.access import page_access
from creditflow.workbench.customer_message import find_message, show_message
from creditflow.workbench.customer_render import customer_path, show_customer
from creditflow.workbench.customer_search import search_customers
from creditflow.workbench.drill_down import drill_down
from creditflow.workbench.pages import not_found, render, staff_of
from creditflow.workbench.portfolio import open_customer

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)


@router.get("/customers")
def customers(
    request: Request,
    q: str = "",
    page: str = "1",
    aging: str = "",
    currency: str = "",
    as_of: str = "",
    paid: str = "",
    contacted: str = "",
) -> Response:
    """The customer list: search by name, customer number or invoice number; paged.

    `?aging=31-60&currency=EUR&as_of=D` (a dashboard drill-down) lists only the customers
    with an amount open at D in that aging bucket (or `open`, `overdue`); `?paid=2026-03`
    those who paid in that month, `?contacted=sms` (or `none`) those behind a channel's bar.
    """
    staff = staff_of(request)
    number = int(page) if page.isdigit() else 1
    drill, error = drill_down(request, aging, currency, as_of, paid, contacted)
    with request.app.state.sessions() as session, session.begin():
        only = None if drill is None else drill.customers
        found = search_customers(session, staff, q[:200], number, only=only)
        return render(
            request, "customers.html", status=400 if error else 200, found=found,
            drill=drill, drill_error=error,
        )  # fmt: skip


@router.get("/customers/{customer_pk}")
def customer(request: Request, customer_pk: int) -> Response:
    """One customer's page: balances, contacts, invoices, timeline and the forms."""
    return show_customer(request, customer_pk)


@router.get("/customers/{customer_pk}/messages/{action_id}")
def message(request: Request, customer_pk: int, action_id: str) -> Response:
    """A message of this customer as the debtor saw it (rendered again from its action)."""
    staff = staff_of(request)
    with request.app.state.sessions() as session, session.begin():
        person = open_customer(session, staff, customer_pk)
        action = find_message(session, person, action_id)
        if action is None:
            return not_found(request)
        shown = show_message(session, request.app.state.settings, person, action)
        return render(
            request, "customer_message.html", c=person, shown=shown, back=customer_path(person.id)
        )


# The e-mail's own HTML, as the debtor's mail program shows it: its inline styles
# only, no scripts, no loads from elsewhere, nothing it may frame or post to.
EMAIL_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@router.get("/customers/{customer_pk}/messages/{action_id}/html")
def message_html(request: Request, customer_pk: int, action_id: str) -> Response:
    """The HTML part of an e-mail of this customer, as the debtor's mail program shows it."""
    staff = staff_of(request)
    with request.app.state.sessions() as session, session.begin():
        person = open_customer(session, staff, customer_pk)
        action = find_message(session, person, action_id)
        shown = (
            show_message(session, request.app.state.settings, person, action) if action else None
        )
        if shown is None or shown.rendered is None or not shown.rendered.html:
            return not_found(request)
        return HTMLResponse(shown.rendered.html, headers=EMAIL_HEADERS)
