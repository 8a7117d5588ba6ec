"""Late-payment risk in the workbench: the customer page says why, the worklist calls by it.

A real app on a real database (SQLite, or PostgreSQL with CREDITFLOW_TEST_DATABASE_URL);
the scores come from the shipped prior on the customers' own paid history.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from creditflow.db import transaction
from creditflow.outbox.service import queue_action
from tests.support.portal_data import add_customer, add_invoice
from tests.support.risk_data import paid_history
from tests.support.staff import NOW, add_staff, sign_in, staff_client

TODAY = NOW.date()


def customer_with_call(session: Session, ref: str, days_late: int, open_minor: int) -> int:
    """A customer with a paid history, one open invoice (due 10 days ago) and a call task."""
    customer = add_customer(session, ref, phone="+31612345678")
    paid_history(session, customer, days_late)
    invoice = add_invoice(session, customer, f"{ref}-OPEN", open_minor,
                          TODAY - timedelta(days=10), issued=TODAY - timedelta(days=40))  # fmt: skip
    queue_action(session, customer, key=f"call-{ref}", kind="task", channel="call",
                 step="call_step", now=NOW - timedelta(hours=2), invoices=[invoice],
                 amount_due_minor=open_minor, currency="EUR")  # fmt: skip
    return customer.id


def manager(settings, engine):
    add_staff(engine, "mira@example.nl", "manager")
    client = staff_client(settings)
    client.headers["accept-language"] = "en"
    sign_in(client, "mira@example.nl")
    return client


def test_the_customer_page_says_why_a_customer_who_always_paid_late_is_likely_late(
    settings, engine
):
    with transaction(engine) as session:
        customer = add_customer(session, "LATE1")
        paid_history(session, customer, days_late=25)
        add_invoice(session, customer, "LATE1-OPEN", 80_000, TODAY + timedelta(days=14),
                    issued=TODAY - timedelta(days=16))  # fmt: skip
        pk = customer.id
    client = manager(settings, engine)
    html = client.get(f"/workbench/customers/{pk}", headers={"accept-language": "en"}).text
    card = html[html.index('class="card risk"') : html.index('aria-labelledby="contact"')]
    assert "Scored by the shipped prior" in card
    risk = int(re.search(r'class="risk-pct">(\d+)%', card).group(1))
    assert risk >= 80  # six of six paid late, 25 days each
    factors = re.findall(r'<li class="factor">(.*?)</li>', card, re.S)
    assert len(factors) == 3
    assert (
        "raises the risk" in factors[0] and "Paid late on about 88% of past invoices" in factors[0]
    )
    # prior: 4 x (7/8 - 1/2) = 1.5; 0.02 x 25 = 0.5; 1.5 x ((3 + 1) / (3 + 2) - 1/2) = 0.45
    assert "On average 25 days late" in factors[1]
    assert "Paid late on about 80% of the latest invoices" in factors[2]
    # the open invoice, due in 14 days: its chance of coming late, days and pay date
    row = re.search(r'class="invoice-risk">(.*?)</td>', html, re.S).group(1)
    assert f"{risk}% chance late" in row  # one invoice, not yet due: p_late = the risk
    days = int(re.search(r"(\d+) days late expected", row).group(1))
    assert days >= 1 and f"pays around {TODAY + timedelta(days=14 + days)}" in row
    dutch = client.get(f"/workbench/customers/{pk}", headers={"accept-language": "nl"}).text
    assert "Betaalde ongeveer 88% van de eerdere facturen te laat" in dutch
    assert "verhoogt het risico" in dutch and "kans op te laat" in dutch


def test_a_customer_who_always_paid_on_time_is_shown_what_lowers_the_risk(settings, engine):
    with transaction(engine) as session:
        customer = add_customer(session, "ONTIME")
        paid_history(session, customer, days_late=-3)
        add_invoice(session, customer, "ONTIME-OPEN", 80_000, TODAY + timedelta(days=14))
        pk = customer.id
    html = manager(settings, engine).get(f"/workbench/customers/{pk}").text
    card = html[html.index('class="card risk"') : html.index('aria-labelledby="contact"')]
    assert int(re.search(r'class="risk-pct">(\d+)%', card).group(1)) < 10
    factors = re.findall(r'<li class="factor">(.*?)</li>', card, re.S)
    assert (
        "lowers the risk" in factors[0] and "Paid late on about 12% of past invoices" in factors[0]
    )


def test_a_customer_without_open_invoices_has_nothing_to_score(settings, engine):
    with transaction(engine) as session:
        customer = add_customer(session, "SETTLED")
        paid_history(session, customer, days_late=5)
        pk = customer.id
    html = manager(settings, engine).get(f"/workbench/customers/{pk}").text
    assert "Nothing open to score." in html


def test_the_worklist_calls_a_likely_late_customer_before_a_bigger_punctual_one(settings, engine):
    with transaction(engine) as session:
        late = customer_with_call(session, "PAYSLATE", days_late=30, open_minor=100_000)
        punctual = customer_with_call(session, "PAYSONTIME", days_late=-2, open_minor=300_000)
    client = manager(settings, engine)
    html = client.get("/workbench/today?type=call", headers={"accept-language": "en"}).text
    customers = re.findall(r'<a href="/workbench/customers/(\d+)">', html)
    assert customers == [str(late), str(punctual)]  # 1000.00 likely late before 3000.00 on time
    recoveries = re.findall(r"expected recovery EUR ([\d.]+)</span>", html)
    assert len(recoveries) == 2
    late_recovery, punctual_recovery = (float(r) for r in recoveries)
    # amount x propensity x urgency (10 days overdue: 1.33)
    assert 1000 * 0.8 * 1.33 < late_recovery <= 1000 * 1.34
    assert punctual_recovery < 3000 * 0.1 * 1.34
    assert (
        "verwachte opbrengst"
        in client.get("/workbench/today?type=call", headers={"accept-language": "nl"}).text
    )
