"""The drill-down from the collected-per-month and channel effectiveness bars to the
customers behind them, on a real database: the small ledger of docs/analytics.md
(tests/support/dashboard_ledger.py) plus a few payments and contacts added here, so
that each set is told apart from the ones beside it (a reversed payment, another
currency, a payment just before midnight at a month's end, a contact after the window,
a failed one)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from creditflow.analytics import dashboard
from creditflow.db import transaction
from creditflow.ledger.models import Customer, Invoice, Payment
from creditflow.outbox.service import queue_action
from creditflow.staff.models import StaffUser
from tests.support.dashboard_ledger import seed_ledger
from tests.support.staff import add_staff, sign_in, staff_client

AS_OF = "2026-03-10"
NAMES = ("Jan de Vries", "Bakkerij Brood", "Acme Inc")


@pytest.fixture(autouse=True)
def _fresh_figures():
    dashboard.clear_cache()
    yield
    dashboard.clear_cache()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _more(session, collectors: dict[str, int | None] | None = None) -> None:
    """The worked example's ledger and, beside it, what tells the sets apart."""
    ids = seed_ledger(session, collectors).customers
    people = {cid: session.get(Customer, pk) for cid, pk in ids.items()}
    invoices = {i.invoice_number: i for i in session.scalars(select(Invoice))}
    for pid, cid, minor, cur, paid, reversed_ in (
        ("X1", "C1", 7000, "EUR", "2026-03-03T10:00", "2026-03-08T09:00"),  # reversed by 03-10
        ("X2", "C3", 3000, "EUR", "2026-03-09T10:00", "2026-03-20T09:00"),  # reversed later
        ("X3", "C3", 9000, "USD", "2026-03-02T10:00", None),  # March, but in dollars
        ("X4", "C1", 2000, "EUR", "2026-02-28T23:30", None),  # February, just
    ):
        session.add(Payment(payment_id=pid, customer_id=people[cid].id, amount_minor=minor,
                            currency=cur, paid_at=_at(paid), source="import",
                            reversed_at=None if reversed_ is None else _at(reversed_)))  # fmt: skip
    for key, cid, channel, number, sent, status in (
        ("x-email", "C1", "email", "I2", "2026-02-10T09:00", "sent"),  # takes I2 off the baseline
        ("x-sms-late", "C1", "sms", "I5", "2026-02-26T09:00", "delivered"),  # after the window
        ("x-sms-failed", "C1", "sms", "I7", "2026-02-12T09:00", "failed"),  # not sent
        ("x-sms-usd", "C3", "sms", "U1", "2026-02-01T09:00", "delivered"),  # in dollars
    ):
        invoice = invoices[number]
        action = queue_action(
            session, people[cid], key=key, kind="message", channel=channel, step="reminder1",
            template="reminder", now=_at(sent), strategy="default", invoices=[invoice],
            amount_due_minor=invoice.amount_minor, currency=invoice.currency,
        )  # fmt: skip
        action.invoice_ids = [invoice.id]
        action.status, action.sent_at = status, _at(sent)
    session.flush()


def _client(settings, engine, email: str, role: str):
    add_staff(engine, email, role)
    client = staff_client(settings)
    client.headers["accept-language"] = "en"
    sign_in(client, email)
    return client


def _listed(client, **params: str) -> set[str]:
    page = client.get("/workbench/customers", params={"as_of": AS_OF, **params})
    assert page.status_code == 200, page.text
    return {n for n in NAMES if n in page.text}


def test_the_bars_of_collected_and_of_the_channels_link_to_their_customers(settings, engine):
    with transaction(engine) as session:
        _more(session)
    client = _client(settings, engine, "mira@example.nl", "manager")
    page = client.get("/workbench/dashboard", params={"as_of": AS_OF})
    assert page.status_code == 200, page.text
    for link in ("paid=2026-03&amp;currency=EUR", "paid=2026-02&amp;currency=EUR",
                 "paid=2026-03&amp;currency=USD", "contacted=sms&amp;currency=EUR",
                 "contacted=email&amp;currency=EUR", "contacted=none&amp;currency=EUR",
                 "contacted=sms&amp;currency=USD"):  # fmt: skip
        href = f"/workbench/customers?{link}&amp;as_of={AS_OF}"
        assert page.text.count(href) == 2, link  # the bar (SVG link) and its table row
    assert 'aria-label="2026-03: 280.00"' in page.text  # P3 250.00 + X2 30.00 (X1 reversed)
    assert 'aria-label="sms: Contacts 1"' in page.text  # the late and the failed SMS not


def test_the_march_bar_lists_exactly_those_who_paid_in_march(settings, engine):
    with transaction(engine) as session:
        _more(session)
    client = _client(settings, engine, "mira@example.nl", "manager")
    # P3 (C2); X2 (C3) reversed only after the date; not X1 (reversed), X3 (USD), P4 (03-12)
    assert _listed(client, paid="2026-03", currency="EUR") == {"Bakkerij Brood", "Acme Inc"}
    assert _listed(client, paid="2026-02", currency="EUR") == {"Jan de Vries"}  # P2, X4
    assert _listed(client, paid="2026-03", currency="USD") == {"Acme Inc"}  # X3
    assert _listed(client, paid="2026-01", currency="EUR") == {"Jan de Vries"}  # P1
    assert _listed(client, paid="2025-12", currency="EUR") == set()
    # the same set as the bar counts: its payments come from exactly these customers
    collected = dashboard.collected_per_month(engine, datetime(2026, 3, 10).date())
    march = collected.filter((collected["currency"] == "EUR") & (collected["month"] == "2026-03"))
    assert march.row(0)[2:] == (28000, 2)
    page = client.get("/workbench/customers", params={"paid": "2026-03", "currency": "EUR",
                                                      "as_of": AS_OF})  # fmt: skip
    heading = re.search(r"<h2>(.*?)</h2>", page.text, re.S)
    assert heading and "Only the customers who paid in 2026-03 (EUR)" in heading[1]
    dutch = client.get("/workbench/customers", headers={"accept-language": "nl"},
                       params={"paid": "2026-03", "currency": "EUR", "as_of": AS_OF})  # fmt: skip
    assert "Alleen de klanten die betaalden in 2026-03 (EUR)" in dutch.text


def test_the_sms_bar_lists_exactly_the_customers_contacted_by_sms(settings, engine):
    with transaction(engine) as session:
        _more(session)
    client = _client(settings, engine, "mira@example.nl", "manager")
    # the SMS about I3 to C2 on 02-20; not C1's after the window (02-26) nor the failed one
    assert _listed(client, contacted="sms", currency="EUR") == {"Bakkerij Brood"}
    assert _listed(client, contacted="email", currency="EUR") == {"Jan de Vries"}
    assert _listed(client, contacted="sms", currency="USD") == {"Acme Inc"}
    assert _listed(client, contacted="letter", currency="EUR") == set()
    # not contacted: due 11-27..02-24 without a contact in 14 days: I1, I7 (C1) and I6 (C2)
    assert _listed(client, contacted="none", currency="EUR") == {"Jan de Vries", "Bakkerij Brood"}
    behind = dashboard.channel_customers(engine, datetime(2026, 3, 10).date())
    report = dashboard.report_at(engine, datetime(2026, 3, 10).date())
    counted = {(c, v): n for d, v, c, n in report.effectiveness.select(
        "dimension", "value", "currency", "contacts").iter_rows() if d in ("channel", "baseline")}  # fmt: skip
    assert counted == {("EUR", "email"): 1, ("EUR", "sms"): 1, ("USD", "sms"): 1,
                       ("EUR", "not contacted"): 3}  # fmt: skip
    assert set(behind.select("currency", "channel").unique().iter_rows()) == set(counted)
    page = client.get("/workbench/customers", params={"contacted": "sms", "currency": "EUR",
                                                      "as_of": AS_OF})  # fmt: skip
    assert "Only the customers contacted by sms (EUR) from 2025-11-27 to 2026-02-24" in page.text
    none = client.get("/workbench/customers", headers={"accept-language": "nl"},
                      params={"contacted": "none", "currency": "EUR", "as_of": AS_OF})  # fmt: skip
    assert "Alleen de klanten met een factuur (EUR) die verviel van 2025-11-27" in none.text


def test_a_collector_sees_only_their_portfolio_behind_a_bar(settings, engine):
    add_staff(engine, "kees@example.nl", "collector")
    with transaction(engine) as session:
        kees = session.scalars(
            select(StaffUser.id).where(StaffUser.email == "kees@example.nl")
        ).one()
        _more(session, {"C1": kees})
    client = staff_client(settings)
    client.headers["accept-language"] = "en"
    sign_in(client, "kees@example.nl")
    assert _listed(client, paid="2026-03", currency="EUR") == set()  # C2 and C3 are not his
    assert _listed(client, paid="2026-02", currency="EUR") == {"Jan de Vries"}
    assert _listed(client, contacted="sms", currency="EUR") == set()
    assert _listed(client, contacted="none", currency="EUR") == {"Jan de Vries"}
    assert _listed(client, contacted="email", currency="EUR") == {"Jan de Vries"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"paid": "2026-13", "currency": "EUR"}, "paid: expected a month as YYYY-MM"),
        ({"paid": "March", "currency": "EUR"}, "paid: expected a month as YYYY-MM"),
        ({"paid": "2026-04", "currency": "EUR"}, "paid: the month is after the date"),
        ({"contacted": "SMS!", "currency": "EUR"},
         "contacted: expected a channel such as sms, or none"),
        ({"paid": "2026-03", "contacted": "sms", "currency": "EUR"},
         "paid, contacted: expected only one of aging, paid or contacted"),
        ({"paid": "2026-03", "currency": "EURO"},
         "currency: expected a three-letter code such as EUR"),
        ({"contacted": "sms", "currency": "EUR", "as_of": "10-03-2026"},
         "as_of: expected a date as YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_a_bad_drill_down_is_refused_with_the_field_named(settings, engine, params, message):
    client = _client(settings, engine, "mira@example.nl", "manager")
    page = client.get("/workbench/customers", params={"as_of": AS_OF, **params})
    assert page.status_code == 400
    assert message in page.text
