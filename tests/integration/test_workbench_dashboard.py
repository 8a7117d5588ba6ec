"""The dashboard on a real database: the figures of a small ledger worked out by hand
(tests/support/dashboard_ledger.py, the worked example of docs/analytics.md), the
drill-down to the customers behind a bucket, the collector's portfolio, and the PDF."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from creditflow.analytics import dashboard, service
from creditflow.db import transaction
from creditflow.staff.models import StaffUser
from tests.support.dashboard_ledger import seed_ledger
from tests.support.staff import add_staff, sign_in, staff_client


@pytest.fixture(autouse=True)
def _fresh_figures():
    dashboard.clear_cache()
    yield
    dashboard.clear_cache()


def _user_id(engine, email: str) -> int:
    with transaction(engine) as session:
        return session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()


def _signed_in(settings, engine, email: str, role: str):
    add_staff(engine, email, role)
    client = staff_client(settings)
    client.headers["accept-language"] = "en"
    sign_in(client, email)
    return client


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _names(html: str) -> set[str]:
    return {n for n in ("Jan de Vries", "Bakkerij Brood", "Acme Inc") if n in html}


def test_the_dashboard_shows_the_figures_of_a_small_ledger_worked_out_by_hand(settings, engine):
    with transaction(engine) as session:
        seed_ledger(session)
    client = _signed_in(settings, engine, "mira@example.nl", "manager")
    page = client.get("/workbench/dashboard", params={"as_of": "2026-03-10"})
    assert page.status_code == 200, page.text
    text = " ".join(_text(page.text).split())
    for seen in ("EUR 2080.00", "EUR 1280.00", "76.4", "29.4", "36.9 %", "64.5",
                 "USD 300.00", "750.00", "150.00", "80.00", "300.00"):  # fmt: skip
        assert seen in text, seen
    assert page.text.count('role="img"') >= 9  # aging, DSO, collected, forecast x2 + channels
    assert "<script" not in page.text
    # the aging bars link to the customers behind them
    assert "/workbench/customers?aging=31-60&amp;currency=EUR&amp;as_of=2026-03-10" in page.text
    # collected per month: February 500.00 (P2), March up to the 10th 250.00 (P3)
    assert re.search(r"2026-02 500\.00 1", text) and re.search(r"2026-03 250\.00 1", text)
    # the SMS about I3: paid within 14 days (P3, 13 days later), clicked and replied
    assert re.search(r"sms 1 0\.0 % 100\.0 % 25000\.00 1 1", text), text
    # portal use in the 30 days ending 03-10: the 03-01 login (not 01-05), the 02-21 link, 03-05 payment
    assert re.search(r"portal\.login 1 1 portal\.short_link_opened 1 1 payment\.started 1 1", text)
    dutch = client.get("/workbench/dashboard", params={"as_of": "2026-03-10"},
                       headers={"accept-language": "nl"})  # fmt: skip
    assert "Overzicht" in dutch.text and "Ouderdom (EUR)" in dutch.text


def test_a_bad_date_is_refused_with_the_field_named(settings, engine):
    client = _signed_in(settings, engine, "mira@example.nl", "manager")
    page = client.get("/workbench/dashboard", params={"as_of": "10-03-2026"})
    assert page.status_code == 400 and "as_of: expected a date as YYYY-MM-DD" in page.text
    dutch = client.get("/workbench/dashboard", params={"as_of": "2999-01-01"},
                       headers={"accept-language": "nl"})  # fmt: skip
    assert dutch.status_code == 400 and "as_of: de datum ligt in de toekomst" in dutch.text


def test_the_drill_down_lists_exactly_the_customers_in_the_bucket(settings, engine):
    with transaction(engine) as session:
        seed_ledger(session)
    client = _signed_in(settings, engine, "mira@example.nl", "manager")

    def listed(aging: str, currency: str = "EUR") -> set[str]:
        page = client.get("/workbench/customers",
                          params={"aging": aging, "currency": currency, "as_of": "2026-03-10"})  # fmt: skip
        assert page.status_code == 200, page.text
        return _names(page.text)

    assert listed("31-60") == {"Bakkerij Brood"}  # I6
    assert listed("61-90") == {"Jan de Vries"}  # I7
    assert listed("90+") == {"Jan de Vries"}  # I1
    assert listed("90+", "USD") == {"Acme Inc"}  # U1
    assert listed("current") == {"Jan de Vries", "Bakkerij Brood"}  # I5, I4
    assert listed("overdue") == {"Jan de Vries", "Bakkerij Brood"}
    # back in time: on 2026-02-08 I3 was not yet due and I6 was 30 days past due
    page = client.get("/workbench/customers",
                      params={"aging": "1-30", "currency": "EUR", "as_of": "2026-02-08"})  # fmt: skip
    assert _names(page.text) == {"Bakkerij Brood"}
    bad = client.get("/workbench/customers", params={"aging": "100+", "currency": "EUR"})
    assert bad.status_code == 400 and "aging: expected one of" in bad.text


def test_a_collectors_drill_down_is_limited_to_their_portfolio(settings, engine):
    add_staff(engine, "kees@example.nl", "collector")
    kees = _user_id(engine, "kees@example.nl")
    with transaction(engine) as session:
        seed_ledger(session, {"C1": kees})
    client = staff_client(settings)
    client.headers["accept-language"] = "en"
    sign_in(client, "kees@example.nl")
    page = client.get("/workbench/customers",
                      params={"aging": "current", "currency": "EUR", "as_of": "2026-03-10"})  # fmt: skip
    assert _names(page.text) == {"Jan de Vries"}  # C2 is in the bucket too, not his
    other = client.get("/workbench/customers",
                       params={"aging": "31-60", "currency": "EUR", "as_of": "2026-03-10"})  # fmt: skip
    assert _names(other.text) == set() and "0 customers" in other.text


def test_the_monthly_pdf_has_the_figures_and_the_charts(settings, engine):
    with transaction(engine) as session:
        seed_ledger(session)
    client = _signed_in(settings, engine, "mira@example.nl", "manager")
    answer = client.get("/workbench/dashboard/report.pdf", params={"as_of": "2026-03-10"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) > 0
    text = " ".join(page.extract_text() for page in reader.pages)
    for seen in ("Receivables report March 2026", "2026-03-01 to 2026-03-10", "EUR 2080.00",
                 "EUR 1280.00", "76.4", "29.4", "36.9 %", "Aging (EUR)", "750.00",
                 "Channel effectiveness (EUR)", "USD 300.00", "portal.login"):  # fmt: skip
        assert seen in text, seen


def test_the_forecast_made_8_weeks_ago_stands_beside_what_came_in(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    made, table = dashboard.forecast_vs_realised(engine, date(2026, 3, 10))
    assert made == date(2026, 1, 13)
    rows = {
        week_from.isoformat(): (expected, realised)
        for cur, _w, week_from, expected, realised in table.iter_rows()
        if cur == "EUR"
    }
    assert len(rows) == 8
    # open on 01-13: I1 400 (P1 came 01-15), I6 150, I7 80 past due; I2 500 due 02-09
    assert rows["2026-01-14"] == (63000, 10000)  # P1
    assert rows["2026-02-04"] == (50000, 0)
    assert rows["2026-02-18"] == (0, 50000)  # P2
    assert rows["2026-03-04"] == (0, 25000)  # P3; P4 (03-12) is after the date
    collected = dashboard.collected_per_month(engine, date(2026, 3, 10))
    months = {m: x for c, m, x, _n in collected.iter_rows() if c == "EUR"}
    assert len(months) == 12 and months["2026-01"] == 10000 and months["2026-03"] == 25000


def test_the_trend_from_one_load_equals_the_report_at_each_month_end(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    as_of = date(2026, 3, 10)
    found = dashboard.history(engine, as_of)
    assert [p.day for p in found.points][-3:] == [date(2026, 1, 31), date(2026, 2, 28), as_of]
    for point in found.points:
        report = service.build_report(engine, point.day)
        assert {f.currency: f.as_json() for f in report.currencies} == {
            c: f.as_json() for c, f in point.figures.items()
        }, point.day
    assert found.forecast.equals(service.build_report(engine, found.forecast_made).forecast)


def test_an_empty_ledger_shows_that_there_are_no_invoices_yet(settings, engine):
    client = _signed_in(settings, engine, "mira@example.nl", "manager")
    page = client.get("/workbench/dashboard")
    assert page.status_code == 200
    assert "No invoices issued on or before this date." in page.text
    assert '<a href="/workbench/dashboard" aria-current="page">Dashboard</a>' in page.text
    pdf = client.get("/workbench/dashboard/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "No invoices issued on or before this date." in text
