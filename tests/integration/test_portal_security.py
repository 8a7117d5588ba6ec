"""The portal refuses what it must: bad links, other customers' data, forged forms, bad files."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from creditflow.config import Settings
from creditflow.config.sections import PortalPolicy
from creditflow.db import transaction
from creditflow.ledger.models import Dispute
from creditflow.portal.models import AccessCode
from tests.support.portal_data import (
    NOW,
    actions_of,
    add_customer,
    add_invoice,
    csrf_of,
    make_client,
    portal_token,
)


@pytest.fixture
def two_customers(engine: Engine, settings: Settings) -> dict[str, str]:
    """Customers A and B, each with one open invoice; portal tokens for both."""
    with transaction(engine) as session:
        a = add_customer(session, "A1", email="a@example.nl", phone="+31611111111")
        b = add_customer(session, "B1", email="b@example.nl")
        add_invoice(session, a, "INV-A", 5_000, date(2026, 2, 1))
        add_invoice(session, b, "INV-B", 7_000, date(2026, 2, 1))
    return {"A": portal_token(engine, settings, "A1"), "B": portal_token(engine, settings, "B1")}


def test_expired_link_is_refused_with_a_way_to_a_new_one(engine, settings, two_customers):
    old = portal_token(engine, settings, "A1", now=NOW - timedelta(days=31))
    response = make_client(settings).get(f"/portal/{old}")
    assert response.status_code == 410
    assert "/portal/login" in response.text and "INV-A" not in response.text


def test_forged_link_is_refused(settings, two_customers):
    token = two_customers["A"]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert make_client(settings).get(f"/portal/{forged}").status_code == 403


def test_a_token_for_a_cannot_reach_bs_invoice(engine, settings, two_customers):
    client = make_client(settings)
    page = client.get(f"/portal/{two_customers['A']}")
    assert "INV-A" in page.text and "INV-B" not in page.text
    response = client.post(
        f"/portal/{two_customers['A']}/dispute",
        data={"invoice_number": "INV-B", "reason": "other", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 404
    assert client.get(f"/portal/{two_customers['A']}/invoices/INV-B.pdf").status_code == 404
    with transaction(engine) as session:
        assert session.scalars(select(Dispute)).first() is None


def test_a_form_without_csrf_token_is_refused(engine, settings, two_customers):
    client = make_client(settings)
    client.get(f"/portal/{two_customers['A']}")
    response = client.post(
        f"/portal/{two_customers['A']}/promise", data={"promised_date": "2026-03-05"}
    )
    assert response.status_code == 403
    wrong = client.post(
        f"/portal/{two_customers['A']}/promise",
        data={"promised_date": "2026-03-05", "csrf_token": "guess"},
    )
    assert wrong.status_code == 403


def test_stored_script_in_a_dispute_comment_is_shown_escaped(engine, settings, two_customers):
    client = make_client(settings)
    csrf = csrf_of(client.get(f"/portal/{two_customers['A']}").text)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post(
        f"/portal/{two_customers['A']}/dispute",
        data={"invoice_number": "INV-A", "reason": "other", "text": attack, "csrf_token": csrf},
    )
    assert response.status_code == 200
    for html in (response.text, client.get(f"/portal/{two_customers['A']}").text):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", 422),
        ("fake.png", b"<svg onload=alert(1)>", 422),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), 422),
    ],
)
def test_uploads_other_than_small_pdf_jpeg_png_are_refused(
    engine, settings, two_customers, name, data, status
):
    client = make_client(settings)
    csrf = csrf_of(client.get(f"/portal/{two_customers['A']}").text)
    response = client.post(
        f"/portal/{two_customers['A']}/dispute",
        data={"invoice_number": "INV-A", "reason": "quality", "csrf_token": csrf},
        files={"upload": (name, data, "application/pdf")},
    )
    assert response.status_code == status
    with transaction(engine) as session:
        assert session.scalars(select(Dispute)).first() is None


def test_link_requests_are_rate_limited(engine, settings, two_customers):
    policy = PortalPolicy(rate_capacity=3, rate_per_minute=1)
    client = make_client(replace(settings, portal=policy))
    codes = [client.get(f"/portal/{two_customers['A']}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def _ask_code(client, customer_id: str, contact: str) -> int:
    csrf = csrf_of(client.get("/portal/login").text)
    return client.post(
        "/portal/login", data={"customer_id": customer_id, "contact": contact, "csrf_token": csrf}
    ).status_code


def test_a_one_time_code_leads_to_a_fresh_link(engine, settings, two_customers):
    client = make_client(settings)
    assert _ask_code(client, "A1", "06 1111 1111") == 200
    with transaction(engine) as session:
        pk = session.scalars(select(AccessCode.customer_id)).one()
    sent = [a for a in actions_of(engine, pk) if a["template"] == "access_code"]
    assert len(sent) == 1 and sent[0]["channel"] == "sms"
    code = sent[0]["payload"]["code"]
    assert re.fullmatch(r"\d{6}", code)
    with transaction(engine) as session:
        assert session.scalars(select(AccessCode.code_hash)).one() != code
    csrf = csrf_of(client.get("/portal/login").text)
    wrong = "000000" if code != "000000" else "111111"
    bad = client.post(
        "/portal/login/code", data={"customer_id": "A1", "code": wrong, "csrf_token": csrf}
    )
    assert bad.status_code == 400
    good = client.post(
        "/portal/login/code",
        data={"customer_id": "A1", "code": code, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert good.status_code == 303 and good.headers["location"].startswith("/portal/")
    assert "INV-A" in client.get(good.headers["location"]).text


def test_wrong_contact_sends_no_code_but_answers_the_same(engine, settings, two_customers):
    client = make_client(settings)
    assert _ask_code(client, "A1", "someone@else.nl") == 200
    with transaction(engine) as session:
        assert session.scalars(select(AccessCode)).first() is None


def test_five_wrong_codes_lock_the_code(engine, settings, two_customers):
    client = make_client(replace(settings, portal=PortalPolicy(code_rate_capacity=50)))
    _ask_code(client, "A1", "a@example.nl")
    with transaction(engine) as session:
        pk = session.scalars(select(AccessCode.customer_id)).one()
    code = next(a for a in actions_of(engine, pk) if a["template"] == "access_code")["payload"]
    csrf = csrf_of(client.get("/portal/login").text)
    wrong = "000000" if code["code"] != "000000" else "111111"
    for _ in range(5):
        client.post(
            "/portal/login/code", data={"customer_id": "A1", "code": wrong, "csrf_token": csrf}
        )
    late = client.post(
        "/portal/login/code",
        data={"customer_id": "A1", "code": code["code"], "csrf_token": csrf},
        follow_redirects=False,
    )
    assert late.status_code == 400


def test_code_requests_are_rate_limited(engine, settings, two_customers):
    client = make_client(settings)
    statuses = [_ask_code(client, "A1", "a@example.nl") for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
