"""Short links in SMS and letters: made once per action, opened by a typed code, expiring.

The consumer C001 owes EUR 412.50 on INV-1, due 5 January 2026; the collection run of
12 January queues the reminder by SMS (or by letter) for 09:00 Amsterdam time.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import select

from creditflow.config.sections import PortalPolicy
from creditflow.db import transaction
from creditflow.dispatch.worker import dispatch_due
from creditflow.ledger.models import Customer
from creditflow.ledger.service import link_secret
from creditflow.links.models import ShortLink
from creditflow.links.short_codes import derive_code, format_code, lookup_key
from creditflow.links.short_links import ensure_short_links, link_lifetimes, open_short_link
from creditflow.links.tokens import read_customer_token
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    invoice,
    one_step_strategy,
    queued_reminders,
    with_organisation,
)

SHORT = re.compile(r"pay\.example-bv\.nl/l/([0-9A-Z]{4}-[0-9A-Z]{4})")


def _short_settings(settings):
    policy = PortalPolicy(short_base_url="https://pay.example-bv.nl")
    return replace(with_organisation(settings), portal=policy)


def _secret(engine, settings) -> str:
    with transaction(engine) as session:
        return link_secret(session, settings)


def _open(engine, settings, typed: str, now=SEND_TIME) -> str | None:
    with transaction(engine) as session:
        return open_short_link(session, link_secret(session, settings), typed, now)


def test_an_sms_reminder_carries_a_short_link_that_opens_the_customers_pay_page(
    engine, settings, tmp_path
):
    settings = _short_settings(settings)
    customers = [consumer("C001", phone="+31612345678")]
    [queued] = queued_reminders(
        engine, settings, tmp_path, customers=customers, strategy=one_step_strategy("[sms]")
    )
    assert dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME).sent == 1

    sms = json.loads((settings.outbox_dir / "sms" / f"{queued['action_id']}.json").read_text())
    found = SHORT.search(sms["text"])
    assert found, sms["text"]
    assert "/p/" not in sms["text"]

    target = _open(engine, settings, found.group(1))
    assert target is not None and target.startswith("/p/")
    claims = read_customer_token(
        _secret(engine, settings), target.removeprefix("/p/"), "pay", now=SEND_TIME
    )
    assert (claims.customer_id, claims.action_id) == ("C001", queued["action_id"])
    [opened] = rows(engine, "SELECT kind, action_id FROM event WHERE kind LIKE 'portal.short%'")
    assert opened == {"kind": "portal.short_link_opened", "action_id": queued["action_id"]}


def test_a_letter_prints_the_short_link_in_a_typeable_form(engine, settings, tmp_path):
    settings = _short_settings(settings)
    customers = [consumer("C001", email="")]
    [queued] = queued_reminders(engine, settings, tmp_path, customers=customers)
    assert queued["channel"] == "letter"
    assert dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME).sent == 1

    pdf = settings.outbox_dir / "letter" / f"{queued['action_id']}.pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    codes = set(SHORT.findall(text))
    assert codes, text
    assert "/p/" not in text and "/portal/" not in text  # no 130-character signed links
    for code in codes:
        assert _open(engine, settings, code.lower().replace("-", " ")) is not None


def test_the_same_action_keeps_its_codes_when_rendered_again(engine, settings, tmp_path):
    settings = _short_settings(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    secret = _secret(engine, settings)
    lifetimes = link_lifetimes(settings)
    with transaction(engine) as session:
        pk = session.scalars(select(Customer.id)).one()
        first = ensure_short_links(
            session, secret, [(pk, queued["action_id"])], now=SEND_TIME, lifetimes=lifetimes
        )
    with transaction(engine) as session:  # a retry an hour later
        again = ensure_short_links(
            session,
            secret,
            [(pk, queued["action_id"])],
            now=SEND_TIME + timedelta(hours=1),
            lifetimes=lifetimes,
        )
    assert again == first and set(first[queued["action_id"]]) == {"pay", "portal"}
    links = rows(engine, "SELECT purpose, code_hash, expires_at FROM short_link ORDER BY purpose")
    assert [link["purpose"] for link in links] == ["pay", "portal"]
    # only a keyed hash is stored: the code itself is nowhere in the table
    for link in links:
        assert link["code_hash"] not in first[queued["action_id"]].values()


def test_expired_unknown_and_mistyped_codes(engine, settings, tmp_path):
    settings = _short_settings(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    secret = _secret(engine, settings)
    with transaction(engine) as session:
        pk = session.scalars(select(Customer.id)).one()
        codes = ensure_short_links(
            session,
            secret,
            [(pk, queued["action_id"])],
            now=SEND_TIME,
            lifetimes=link_lifetimes(settings),
        )
    code = codes[queued["action_id"]]["pay"]
    typed = format_code(code).lower().replace("0", "o").replace("1", "l")
    assert _open(engine, settings, typed) is not None  # case, O/0 and L/1 forgiven
    last_day = SEND_TIME + timedelta(days=30) - timedelta(seconds=1)
    assert _open(engine, settings, code, now=last_day) is not None
    assert _open(engine, settings, code, now=SEND_TIME + timedelta(days=30)) is None
    other = derive_code(secret, "no-such-action", "pay")
    assert _open(engine, settings, other) is None
    assert _open(engine, settings, "K7QM-4XP") is None  # one symbol short
    assert _open(engine, settings, "K7QM-4XPU") is None  # U is not in the alphabet


def test_a_code_taken_by_another_action_is_derived_again(engine, settings, tmp_path):
    settings = _short_settings(settings)
    queued = queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=[consumer("C001"), consumer("C002")],
        invoices=[invoice("INV-1"), invoice("INV-2", "C002")],
    )
    first, second = (a["action_id"] for a in queued)
    secret = _secret(engine, settings)
    with transaction(engine) as session:
        pks = {cid: pk for cid, pk in session.execute(select(Customer.customer_id, Customer.id))}
        # the first action holds the code the second one would get first
        session.add(
            ShortLink(
                code_hash=lookup_key(secret, derive_code(secret, second, "pay")),
                seq=0,
                customer_id=pks["C001"],
                action_id=first,
                purpose="pay",
                created_at=SEND_TIME,
                expires_at=SEND_TIME + timedelta(days=30),
            )
        )
        session.flush()
        codes = ensure_short_links(
            session, secret, [(pks["C002"], second)], now=SEND_TIME, lifetimes={"pay": timedelta(1)}
        )
    assert codes[second]["pay"] == derive_code(secret, second, "pay", 1)
    target = _open(engine, settings, codes[second]["pay"])
    assert target is not None
    claims = read_customer_token(secret, target.removeprefix("/p/"), "pay", now=SEND_TIME)
    assert claims.customer_id == "C002"


@pytest.mark.parametrize("purpose", ["pay", "portal"])
def test_a_forgotten_customer_s_links_open_nothing(engine, settings, tmp_path, purpose):
    settings = _short_settings(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    secret = _secret(engine, settings)
    with transaction(engine) as session:
        customer = session.scalars(select(Customer)).one()
        codes = ensure_short_links(
            session,
            secret,
            [(customer.id, queued["action_id"])],
            now=SEND_TIME,
            lifetimes=link_lifetimes(settings),
        )
        customer.pseudonymised_at = SEND_TIME
    assert _open(engine, settings, codes[queued["action_id"]][purpose]) is None
