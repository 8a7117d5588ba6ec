"""Customer 360 in the workbench: the list, one customer's page, and the forms on it.

A real app on a real database (SQLite, or PostgreSQL with CREDITFLOW_TEST_DATABASE_URL),
driven through its pages and forms as a browser would (sign-in, CSRF, 303 answers).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from creditflow.db import transaction
from creditflow.dispatch.facts import load_facts
from creditflow.ledger.models import (
    AuditEntry,
    ContactPoint,
    Customer,
    Dispute,
    Event,
    Invoice,
    PromiseToPay,
)
from creditflow.outbox.models import Action
from creditflow.staff.models import StaffUser
from creditflow.strategy.run import collection_run
from tests.support.customer360 import IBAN, seed_customer
from tests.support.staff import NOW, add_staff, sign_in, staff_client

TODAY = NOW.date()


def _settings(settings):
    """Settings with the creditor's bank account (messages ask for payment to it)."""
    return replace(settings, organisation=replace(settings.organisation, iban=IBAN))


def _user_id(engine, email: str) -> int:
    with transaction(engine) as session:
        return session.scalars(select(StaffUser.id).where(StaffUser.email == email)).one()


def _seed(engine, customer_id: str = "C360", **kw):
    with transaction(engine) as session:
        return seed_customer(session, customer_id, NOW, **kw)


def _audit(engine, verb: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.verb == verb)))


def _client(settings):
    """A browser on the app that reads English."""
    client = staff_client(_settings(settings))
    client.headers["accept-language"] = "en"
    return client


def _manager(settings, engine):
    add_staff(engine, "mira@example.nl", "manager")
    client = _client(settings)
    return client, sign_in(client, "mira@example.nl")


def test_the_customer_page_shows_balances_per_currency_and_one_timeline(settings, engine):
    seeded = _seed(engine)
    client, _ = _manager(settings, engine)
    page = client.get(
        f"/workbench/customers/{seeded.customer_pk}", headers={"accept-language": "en"}
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert "EUR 512.49" in html and "USD 120.00" in html  # 412.50 + 99.99; 120.00
    assert "jansen@example.nl" in html and "+31301234567" in html
    assert "Level 2" in html and "reminder1" in html
    assert "reminder2" in html  # the next step of the first invoice, and the queued one
    assert "at the next run" in html  # reminder2 was due 6 days ago: the next run sends it
    assert f"reminder1 · {TODAY + timedelta(days=2)}" in html  # the second invoice: due+7d
    for seen in ("Ik betaal volgende week", "Portal opened", "EUR 25.00", "reminder delivered"):
        assert seen in html, seen
    assert f"/messages/{seeded.sent_action_id}" in html
    assert html.count("EUR 25.00") == 1  # the payment once, not again as its timeline entry
    assert html.index("Ik betaal volgende week") < html.index("reminder delivered")  # newest first
    message = client.get(
        f"/workbench/customers/{seeded.customer_pk}/messages/{seeded.sent_action_id}"
    )
    assert message.status_code == 200
    assert "C360-0001" in message.text and "(personal link)" in message.text
    email = client.get(
        f"/workbench/customers/{seeded.customer_pk}/messages/{seeded.sent_action_id}/html"
    )
    assert email.status_code == 200 and "sandbox" in email.headers["content-security-policy"]
    dutch = client.get(
        f"/workbench/customers/{seeded.customer_pk}", headers={"accept-language": "nl"}
    )
    assert "Tijdlijn" in dutch.text and "Facturen" in dutch.text


def test_the_list_finds_by_name_number_and_invoice_and_shows_balances(settings, engine):
    seeded = _seed(engine)
    _seed(engine, "C999", name="Bakkerij de Vries")
    client, _ = _manager(settings, engine)
    for query in ("jansen", "C360", "c360-0002"):
        found = client.get("/workbench/customers", params={"q": query}).text
        assert f'/workbench/customers/{seeded.customer_pk}"' in found, query
        assert "Bakkerij de Vries" not in found, query
        assert "EUR 512.49" in found and "USD 120.00" in found
    assert "Bakkerij de Vries" in client.get("/workbench/customers").text


def test_a_collector_sees_only_their_portfolio_and_cannot_open_another_collectors_customer(
    settings, engine
):
    add_staff(engine, "kees@example.nl", "collector")
    add_staff(engine, "lotte@example.nl", "collector")
    mine = _seed(
        engine, "C100", name="Mijn Klant", collector_id=_user_id(engine, "kees@example.nl")
    )
    theirs = _seed(
        engine, "C200", name="Andere Klant", collector_id=_user_id(engine, "lotte@example.nl")
    )
    client = _client(settings)
    csrf = sign_in(client, "kees@example.nl")
    listed = client.get("/workbench/customers").text
    assert "Mijn Klant" in listed and "Andere Klant" not in listed
    by_number = client.get("/workbench/customers", params={"q": "C200-0001"}).text
    assert "Andere Klant" not in by_number and "0 customers" in by_number
    assert client.get(f"/workbench/customers/{mine.customer_pk}").status_code == 200
    assert client.get(f"/workbench/customers/{theirs.customer_pk}").status_code == 403
    refused = client.post(
        f"/workbench/customers/{theirs.customer_pk}/notes",
        data={"csrf_token": csrf, "text": "not mine"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    with transaction(engine) as session:
        assert not session.scalars(select(Event).where(Event.kind == "note.added")).all()


def test_a_viewer_sees_the_page_but_every_form_is_refused(settings, engine):
    seeded = _seed(engine)
    add_staff(engine, "vera@example.nl", "viewer")
    client = _client(settings)
    csrf = sign_in(client, "vera@example.nl")
    page = client.get(f"/workbench/customers/{seeded.customer_pk}")
    assert page.status_code == 200 and "Log the call" not in page.text
    for form, data in (("notes", {"text": "x"}), ("pause", {"paused_until": str(TODAY)}),
                       ("calls", {"outcome": "reached"}), ("collector", {"collector_id": ""})):  # fmt: skip
        response = client.post(f"/workbench/customers/{seeded.customer_pk}/{form}",
                               data={"csrf_token": csrf, **data}, follow_redirects=False)  # fmt: skip
        assert response.status_code == 403, form
    with transaction(engine) as session:
        assert session.get(Customer, seeded.customer_pk).paused_until is None
        assert not session.scalars(select(AuditEntry).where(AuditEntry.actor.like("%vera%"),
                                   AuditEntry.entity == "customer")).all()  # fmt: skip


def test_a_collector_logs_a_call_with_a_promise_and_the_queued_reminder_is_cancelled(
    settings, engine
):
    add_staff(engine, "kees@example.nl", "collector")
    seeded = _seed(engine, collector_id=_user_id(engine, "kees@example.nl"))
    client = _client(settings)
    csrf = sign_in(client, "kees@example.nl")
    answer = client.post(
        f"/workbench/customers/{seeded.customer_pk}/calls",
        data={"csrf_token": csrf, "outcome": "promise", "note": "betaalt vrijdag",
              "promise_date": str(TODAY + timedelta(days=4)), "promise_amount": "512.49"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and "notice=The+call+is+logged." in answer.headers["location"]
    with transaction(engine) as session:
        queued = session.scalars(
            select(Action).where(Action.action_id == seeded.queued_action_id)
        ).one()
        assert queued.status == "cancelled" and "promise to pay" in (queued.status_reason or "")
        promise = session.scalars(select(PromiseToPay)).one()
        assert promise.promised_date == TODAY + timedelta(days=4) and promise.amount_minor == 51249
        assert promise.source == "staff"
        call = session.scalars(select(Event).where(Event.kind == "call.logged")).one()
        assert "betaalt vrijdag" in call.summary
    [entry] = _audit(engine, "log_call")
    assert entry.actor == "user:kees@example.nl" and entry.details["outcome"] == "promise"
    page = client.get(answer.headers["location"], headers={"accept-language": "en"})
    assert "The call is logged." in page.text and "cancelled" in page.text


def test_a_promise_outside_the_rules_is_refused_with_the_reason_and_nothing_is_written(
    settings, engine
):
    seeded = _seed(engine)
    client, csrf = _manager(settings, engine)
    for data, reason in (({"promise_date": "volgende week"}, "promise date: 'volgende week' is not a date"),
                         ({"promise_date": str(TODAY - timedelta(days=1))}, "is before today"),
                         ({"promise_date": str(TODAY + timedelta(days=3)), "promise_amount": "-5"},
                          "promise amount")):  # fmt: skip
        answer = client.post(f"/workbench/customers/{seeded.customer_pk}/promise",
                             data={"csrf_token": csrf, **data})  # fmt: skip
        assert answer.status_code == 400 and reason in unescape(answer.text), data
    with transaction(engine) as session:
        assert not session.scalars(select(PromiseToPay)).all()
    assert not _audit(engine, "record_promise")


def test_each_form_changes_what_it_should_and_writes_the_audit_log(settings, engine):
    seeded = _seed(engine)
    add_staff(engine, "kees@example.nl", "collector")
    client, csrf = _manager(settings, engine)
    base = f"/workbench/customers/{seeded.customer_pk}"

    def post(form: str, **data: str) -> None:
        answer = client.post(
            f"{base}/{form}", data={"csrf_token": csrf, **data}, follow_redirects=False
        )
        assert answer.status_code == 303, (form, answer.text[:2000])

    post("notes", text="Klant belt terug na de vakantie")
    post("pause", paused_until=str(TODAY + timedelta(days=10)))
    post("preferences", preferred_channel="sms", language="en")
    post("calls", outcome="wrong_number", contact_point_id=str(seeded.phone_point_id))
    post("calls", outcome="dispute", invoice_id=str(seeded.invoice_pks[2]), dispute_reason="quality",
         note="kapotte ketel")  # fmt: skip
    post("collector", collector_id=str(_user_id(engine, "kees@example.nl")))
    post("do-not-contact", state="debt_counselling", note="via de gemeente")
    with transaction(engine) as session:
        customer = session.get(Customer, seeded.customer_pk)
        assert customer.paused_until == TODAY + timedelta(days=10)
        assert (customer.preferred_channel, customer.language) == ("sms", "en")
        assert customer.collector_id == _user_id(engine, "kees@example.nl")
        assert customer.do_not_contact == "debt_counselling"
        phone = session.get(ContactPoint, seeded.phone_point_id)
        assert not phone.valid and "wrong number" in phone.invalid_reason
        dispute = session.scalars(select(Dispute)).one()
        assert dispute.invoice_id == seeded.invoice_pks[2] and dispute.reason == "quality"
        assert session.get(Invoice, seeded.invoice_pks[2]).status == "disputed"
        notes = session.scalars(select(Event).where(Event.kind == "note.added")).all()
        assert [n.summary for n in notes] == ["Klant belt terug na de vakantie"]
    for verb in ("add_note", "pause_dunning", "change_preferences", "log_call",
                 "assign_collector", "do_not_contact"):  # fmt: skip
        entries = _audit(engine, verb)
        assert entries and all(e.actor == "user:mira@example.nl" for e in entries), verb
    post("do-not-contact", state="")
    post("handover", target="Incassobureau Noord")
    with transaction(engine) as session:
        assert session.get(Customer, seeded.customer_pk).do_not_contact == "handed_over"
    assert _audit(engine, "hand_over")[0].details["target"] == "Incassobureau Noord"
    page = client.get(base).text
    assert "Handed over to Incassobureau Noord" in page and "Klant belt terug" in page


def test_a_collector_may_not_hand_over_nor_assign(settings, engine):
    add_staff(engine, "kees@example.nl", "collector")
    seeded = _seed(engine, collector_id=_user_id(engine, "kees@example.nl"))
    client = _client(settings)
    csrf = sign_in(client, "kees@example.nl")
    for form, data in (("handover", {"target": "X"}), ("do-not-contact", {"state": "legal"}),
                       ("collector", {"collector_id": ""})):  # fmt: skip
        answer = client.post(f"/workbench/customers/{seeded.customer_pk}/{form}",
                             data={"csrf_token": csrf, **data}, follow_redirects=False)  # fmt: skip
        assert answer.status_code == 403, form


def test_send_now_queues_the_reminder_and_sends_it_through_the_dispatch_path(settings, engine):
    seeded = _seed(engine)
    client, csrf = _manager(settings, engine)
    answer = client.post(f"/workbench/customers/{seeded.customer_pk}/send",
                         data={"csrf_token": csrf, "template": "pay_link", "channel": "email"},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text[:2000]
    with transaction(engine) as session:
        action = session.scalars(select(Action).where(Action.step == "staff_send")).one()
        assert (action.template, action.channel, action.amount_due_minor) == (
            "pay_link",
            "email",
            51249,
        )
        assert action.status in ("queued", "sent", "delivered")
    [entry] = _audit(engine, "send_now")
    assert entry.details["action_id"] == action.action_id
    refused = client.post(f"/workbench/customers/{seeded.customer_pk}/send",
                          data={"csrf_token": csrf, "template": "fourteen_day_letter"})  # fmt: skip
    assert refused.status_code == 400 and "template: choose one of" in refused.text
    with transaction(engine) as session:
        session.get(Customer, seeded.customer_pk).do_not_contact = "legal"
    held = client.post(f"/workbench/customers/{seeded.customer_pk}/send",
                       data={"csrf_token": csrf, "template": "reminder"})  # fmt: skip
    assert held.status_code == 400 and "the customer is not contacted (legal)" in held.text
    assert len(_audit(engine, "send_now")) == 1


def test_a_paused_customer_gets_nothing_from_the_collection_run_until_the_pause_ends(
    settings, engine
):
    seeded = _seed(engine)
    client, csrf = _manager(settings, engine)
    run_settings = _settings(settings)
    before = collection_run(engine, run_settings, TODAY, now=NOW, dry_run=True).actions
    assert seeded.customer_pk in before.get_column("customer_pk").to_list()
    client.post(f"/workbench/customers/{seeded.customer_pk}/pause",
                data={"csrf_token": csrf, "paused_until": str(TODAY + timedelta(days=3))})  # fmt: skip
    paused = collection_run(engine, run_settings, TODAY, now=NOW, dry_run=True).actions
    assert seeded.customer_pk not in paused.get_column("customer_pk").to_list()
    later = TODAY + timedelta(days=4)
    after = collection_run(
        engine, run_settings, later, now=NOW + timedelta(days=4), dry_run=True
    ).actions
    assert seeded.customer_pk in after.get_column("customer_pk").to_list()


def test_the_pre_send_re_check_holds_a_paused_customers_reminder(settings, engine):
    seeded = _seed(engine)
    with transaction(engine) as session:
        session.get(Customer, seeded.customer_pk).paused_until = TODAY + timedelta(days=2)
    with transaction(engine) as session:
        queued = session.scalars(
            select(Action).where(Action.action_id == seeded.queued_action_id)
        ).one()
        facts = load_facts(session, [queued], settings.rules, now=NOW)
        held = {facts.states[pk].hold(TODAY) for pk in queued.invoice_ids}
        assert held == {"paused by a person"}
        assert {facts.states[pk].hold(TODAY + timedelta(days=3)) for pk in queued.invoice_ids} == {
            None
        }


def test_the_list_is_paged_by_name(settings, engine):
    with transaction(engine) as session:
        session.add_all(
            Customer(customer_id=f"P{n:03d}", name=f"Klant {n:03d}", kind="business", language="nl",
                     country="NL", timezone="Europe/Amsterdam", opt_out=[], tags=[])
            for n in range(30)
        )  # fmt: skip
    client, _ = _manager(settings, engine)
    first = client.get("/workbench/customers").text
    assert "Page 1 of 2" in first and "Klant 000" in first and "Klant 024" in first
    assert "Klant 025" not in first
    second = client.get("/workbench/customers", params={"page": "2"}).text
    assert "Klant 025" in second and "Klant 029" in second and "Klant 024" not in second
