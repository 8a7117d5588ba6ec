"""A business gets the business final notice, a consumer the 14-day letter, in NL and EN.

A late-paying business reaches the late_payers strategy, whose final step names the
consumer 14-day letter; the business must still get the business notice, with the
EUR 40 per invoice on its own legal basis (art. 6:96 lid 4 BW), never the Besluit. And
the amount a notice states is the amount the collection run charges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from creditflow.compliance.fourteen_day import check_fourteen_day_letter
from creditflow.config import ContactRules, LegalRules, Organisation, Settings
from creditflow.dispatch.render import Links, build_context, creditor_of, render_action
from creditflow.ledger.models import Customer, Invoice
from creditflow.outbox.models import Action
from creditflow.strategy.engine import decide
from creditflow.strategy.schema import parse_strategy
from creditflow.strategy.service import default_strategy_text
from tests.unit.snapshots import customer as snap_customer
from tests.unit.snapshots import invoice as snap_invoice
from tests.unit.snapshots import snapshot

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
LINKS = Links("https://pay.example.nl/p/x", "https://pay.example.nl/portal/x", "https://o/x")


def render(kind: str, language: str, legal: LegalRules | None = None, template=None):
    settings = Settings(organisation=Organisation(iban="NL91ABNA0417164300"))
    debtor = Customer(
        id=1,
        customer_id="C001",
        name="Bakkerij Brood B.V." if kind == "business" else "Jan de Vries",
        kind=kind,
        language=language,
        country="NL",
        timezone="Europe/Amsterdam",
        address_line1="Markt 3",
        postal_code="3511 AA",
        city="Utrecht",
    )
    invoices = [
        Invoice(
            id=pk,
            invoice_number=f"INV-{pk}",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 2, 1),
            amount_minor=minor,
            open_minor=minor,
            currency="EUR",
            description="",
        )
        for pk, minor in ((1, 120000), (2, 30000))
    ]
    action = Action(
        action_id="A1",
        customer_id=1,
        kind="message",
        channel="letter",
        step="final_notice",
        strategy="late_payers",
        template=template or "fourteen_day_letter",
        language=language,
        tone="firm",
        legal="wik_notice",
        invoice_ids=[1, 2],
        invoice_numbers=["INV-1", "INV-2"],
        amount_due_minor=150000,
        currency="EUR",
        payload={},
    )
    ctx = build_context(
        action,
        debtor,
        invoices,
        150000,
        creditor=creditor_of(settings),
        links=LINKS,
        today=TODAY,
        legal=legal,
    )
    return ctx, render_action(action, ctx, settings=settings, to="post").message


@pytest.mark.parametrize(
    ("language", "basis", "per_invoice", "total", "consumer_words"),
    [
        ("nl", "artikel 6:96 lid 4 BW", "€ 40,00 per factuur", "€ 80,00", "Besluit"),
        ("en", "article 6:96(4)", "€40.00 per invoice", "€80.00", "Decree"),
    ],
)
def test_a_late_paying_business_gets_the_business_notice_with_40_per_invoice(
    language, basis, per_invoice, total, consumer_words
) -> None:
    ctx, message = render("business", language)
    assert message.metadata["template"] == "final_notice_business"
    assert basis in message.text and "6:119a" in message.text
    assert per_invoice in message.text and total in message.text
    assert consumer_words not in message.text  # not the consumer letter's legal basis
    assert "veertien dagen vanaf" not in message.text
    assert ctx.costs is not None and ctx.costs.text() == "80.00"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_consumer_gets_the_14_day_letter_that_passes_the_check(language) -> None:
    ctx, message = render("consumer", language)
    assert message.metadata["template"] == "fourteen_day_letter"
    assert ctx.costs is not None and ctx.costs.text() == "225.00"
    assert check_fourteen_day_letter(message.text, ctx.costs) == []
    assert "6:96 lid 4" not in message.text and "6:96(4)" not in message.text


def test_a_consumer_never_gets_the_business_notice() -> None:
    _, message = render("consumer", "nl", template="final_notice_business")
    assert message.metadata["template"] == "fourteen_day_letter"


@pytest.mark.parametrize(
    ("legal", "nl_words", "costs"),
    [
        (LegalRules(business_costs="wik_scale", vat_on_costs=True), "inclusief btw", "272.25"),
        (
            LegalRules(business_costs="contractual", contractual_percentage=Decimal("15")),
            "zoals overeengekomen",
            "225.00",
        ),
    ],
)
def test_the_business_notice_names_how_the_costs_were_reached(legal, nl_words, costs) -> None:
    ctx, message = render("business", "nl", legal)
    assert ctx.costs is not None and ctx.costs.text() == costs
    assert nl_words in message.text and "6:96 lid 4 BW" in message.text


@pytest.mark.parametrize(
    "legal",
    [
        LegalRules(),
        LegalRules(business_costs="wik_scale", vat_on_costs=True),
        LegalRules(business_costs="contractual", contractual_amount=Decimal("60")),
    ],
)
def test_the_run_charges_what_the_business_notice_stated(legal) -> None:
    strategy = parse_strategy(default_strategy_text())
    notice = TODAY - timedelta(days=14)
    invoices = [
        snap_invoice(1, 1, notice - timedelta(days=30), "1200.00", level=4, dunning_on=notice),
        snap_invoice(2, 1, notice - timedelta(days=30), "300.00", level=4, dunning_on=notice),
    ]
    snap = snapshot([snap_customer(1, kind="business")], invoices)
    decision = decide(snap, strategy, TODAY, now=NOW, rules=ContactRules(), legal=legal)
    [charge] = decision.actions.to_dicts()
    assert charge["step"] == "costs"
    ctx, _ = render("business", "nl", legal)
    assert ctx.costs is not None and charge["charge_minor"] == ctx.costs.minor


def test_the_late_payers_final_notice_is_chosen_per_kind() -> None:
    strategy = parse_strategy(default_strategy_text())
    due = TODAY - timedelta(days=10)
    snap = snapshot(
        [
            snap_customer(1, kind="business", risk=0.8),
            snap_customer(2, kind="consumer", risk=0.8),
        ],
        [
            snap_invoice(1, 1, due, level=3, dunning_on=TODAY - timedelta(days=3)),
            snap_invoice(2, 2, due, level=3, dunning_on=TODAY - timedelta(days=3)),
        ],
    )
    decision = decide(snap, strategy, TODAY, now=NOW, rules=ContactRules())
    chosen = {
        row["customer_id"]: (row["strategy"], row["step"], row["template"])
        for row in decision.actions.to_dicts()
    }
    assert chosen == {
        "C001": ("late_payers", "final_notice", "final_notice_business"),
        "C002": ("late_payers", "final_notice", "fourteen_day_letter"),
    }
