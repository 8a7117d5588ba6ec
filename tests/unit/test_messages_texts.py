"""Every template x language x channel x tone, read the way a debtor reads it.

Rendered from realistic data (one invoice, three, twelve; a consumer and a business;
EUR and USD accounts; a creditor whose name ends in "B.V.") and checked for the
artefacts a missing value leaves behind: an empty list ("for invoices ."), doubled
spaces, a space before a period, "B.V..", Python reprs and unrendered Jinja.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from creditflow.messages.context import Creditor, InvoiceLine, MessageContext
from creditflow.messages.formatting import format_money
from creditflow.messages.render import (
    CHANNELS,
    TONES,
    MessageTemplateError,
    available_templates,
    render_message,
)
from creditflow.messages.sample import sample_extra
from creditflow.money import Money
from tests.support.texts import artefacts, visible_html_text

TODAY = date(2026, 3, 2)
CREDITOR = Creditor(
    name="Van der Berg Installatietechniek B.V.",
    iban="NL91ABNA0417164300",
    bic="ABNANL2A",
    address_lines=("Keizersgracht 123",),
    postal_code="1015 CJ",
    city="Amsterdam",
    email="debiteuren@vanderberg.nl",
    phone="020 123 4567",
    website="www.vanderberg.nl",
    chamber_of_commerce="12345678",
    vat_number="NL001234567B01",
)
# Costs the dispatcher computes for the fourteen_day_letter: WIK for EUR accounts,
# none for other currencies (the WIK scale is defined in euros).
COSTS = {"EUR": Decimal("61.88"), "USD": None}


def _invoices(count: int, currency: str) -> list[InvoiceLine]:
    lines = []
    for n in range(count):
        amount = Money(Decimal("125.00") + n * Decimal("37.45"), currency)
        lines.append(
            InvoiceLine(
                invoice_number=f"2026-{1001 + n}",
                issue_date=TODAY - timedelta(days=60 - n),
                due_date=TODAY - timedelta(days=30 - n),
                amount=amount,
                open_amount=amount,
                description="Onderhoud",
            )
        )
    return lines


def _extra(template: str, currency: str) -> dict:
    extra = sample_extra(template, TODAY)
    return {
        key: Money(value.amount, currency) if isinstance(value, Money) else value
        for key, value in extra.items()
    }


def realistic_context(
    template: str,
    language: str,
    tone: str,
    *,
    count: int = 3,
    kind: str = "consumer",
    currency: str = "EUR",
) -> MessageContext:
    """A customer with `count` open invoices, as the dispatcher builds the context."""
    invoices = _invoices(count, currency)
    total = Money.zero(currency)
    for invoice in invoices:
        total = total + invoice.open_amount
    costs = COSTS[currency] if template == "fourteen_day_letter" else None
    return MessageContext(
        creditor=CREDITOR,
        customer_id="C-1042",
        customer_name="Bakkerij De Korenaar" if kind == "business" else "Jan de Vries",
        customer_kind=kind,
        language=language,
        tone=tone,
        invoices=invoices,
        amount_due=total,
        pay_url="https://mijn.vanderberg.nl/p/7Kq2xW9a",
        portal_url="https://mijn.vanderberg.nl/portal/7Kq2xW9a",
        opt_out_url="https://mijn.vanderberg.nl/portal/7Kq2xW9a/preferences",
        today=TODAY,
        address_lines=("Dorpsstraat 12", "3512 AB Utrecht"),
        costs=Money(costs, currency) if costs is not None else None,
        payment_reference="RF69C1042026" if invoices else None,
        step="test",
        extra=_extra(template, currency),
    )


def _render_all_parts(ctx: MessageContext, template: str, channel: str) -> dict[str, str]:
    message = render_message(template, channel, ctx)
    parts = {"text": message.text}
    if message.subject is not None:
        parts["subject"] = message.subject
    if message.html is not None:
        parts["html"] = visible_html_text(message.html)
    return parts


INVOICE_TEMPLATES = [
    t
    for t in available_templates()
    if t not in ("access_code", "conversation_reply", "opt_out_confirmation", "pay_link")
]
SHAPES = [
    pytest.param({"count": 1}, id="one-invoice"),
    pytest.param({"count": 3}, id="three-invoices"),
    pytest.param({"count": 12}, id="twelve-invoices"),
    pytest.param({"count": 3, "kind": "business"}, id="business"),
    pytest.param({"count": 2, "currency": "USD"}, id="usd"),
    pytest.param({"count": 1, "kind": "business", "currency": "USD"}, id="usd-business-one"),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("template", INVOICE_TEMPLATES)
def test_every_template_reads_cleanly_on_every_channel_and_tone(template, language, shape):
    problems = []
    for tone in TONES:
        ctx = realistic_context(template, language, tone, **shape)
        for channel in CHANNELS:
            for part, text in _render_all_parts(ctx, template, channel).items():
                problems += [f"{channel}/{tone}/{part}: {p}" for p in artefacts(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("template", INVOICE_TEMPLATES)
def test_the_invoice_numbers_are_named_on_every_channel_that_lists_them(template, language):
    ctx = realistic_context(template, language, "neutral", count=2)
    for channel in ("email", "letter", "whatsapp", "voice"):
        text = render_message(template, channel, ctx).text
        for invoice in ctx.invoices:
            assert invoice.invoice_number in text, (channel, text)


def test_the_artefact_check_catches_the_reported_defects():
    assert artefacts("voor de facturen  in goede orde ontvangen")
    assert artefacts("We have received your payment for invoices .")
    assert artefacts("Payment of 10 invoices are due on 2 March 2026")
    assert artefacts("in the name of Van der Berg B.V..")
    assert artefacts("Totaal: Decimal('10.00')")
    assert not artefacts("Factuur 2026-1001 en 2026-1002 staan open. Betaal via https://x.nl/p/a.")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_payment_thanks_without_invoice_numbers_thanks_for_the_payment(language):
    """A payment of costs only (no invoice in the request) still reads as a sentence."""
    ctx = replace(realistic_context("payment_thanks", language, "friendly"), invoices=())
    for channel in CHANNELS:
        for part, text in _render_all_parts(ctx, "payment_thanks", channel).items():
            assert not artefacts(text), (channel, part, text)
            if part == "text":
                assert format_money(ctx.extra["paid_amount"], language) in text


@pytest.mark.parametrize(
    ("language", "count", "subject"),
    [
        ("en", 1, "Invoice 2026-1001 is due on"),
        ("en", 3, "Invoices 2026-1001, 2026-1002 and 2026-1003 are due from"),
        ("en", 10, "10 invoices are due from"),
        ("nl", 1, "Factuur 2026-1001 vervalt op"),
        ("nl", 10, "10 facturen vervallen vanaf"),
    ],
)
def test_pre_due_nudge_subject_agrees_with_the_number_of_invoices(language, count, subject):
    ctx = realistic_context("pre_due_nudge", language, "neutral", count=count)
    assert subject in render_message("pre_due_nudge", "email", ctx).subject


FOURTEEN_DAYS = {
    "nl": "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd",
    "en": "within fourteen days from the day after this letter was delivered to you",
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_fourteen_day_letter_for_a_usd_account_gives_the_term_and_announces_no_costs(
    language,
):
    """As the dispatcher builds it: WIK costs exist only in EUR, so none are announced."""
    from creditflow.dispatch.render import Links, build_context
    from creditflow.ledger.models import Customer, Invoice
    from creditflow.outbox.models import Action

    customer = Customer(customer_id="C-US1", name="John Miller", kind="consumer")
    invoices = [
        Invoice(
            id=n,
            invoice_number=f"US-{n}",
            issue_date=TODAY - timedelta(days=60),
            due_date=TODAY - timedelta(days=40),
            currency="USD",
            amount_minor=50_000,
            open_minor=50_000,
            payment_reference=None,
        )
        for n in (1, 2)
    ]
    action = Action(
        action_id="a1",
        template="fourteen_day_letter",
        step="fourteen_day",
        language=language,
        tone="neutral",
        currency="USD",
        payload={},
    )
    link = "https://mijn.vanderberg.nl/x"
    ctx = build_context(
        action,
        customer,
        invoices,
        100_000,
        creditor=CREDITOR,
        links=Links(link, link, link),
        today=TODAY,
    )
    assert ctx.costs is None
    for channel in CHANNELS:
        text = render_message("fourteen_day_letter", channel, ctx).text
        assert not artefacts(text), (channel, artefacts(text))
        if channel in ("email", "letter"):
            assert FOURTEEN_DAYS[language] in text
            assert "US-1" in text and "US-2" in text
        assert "incassokosten" not in text and "collection costs" not in text


def test_a_fourteen_day_letter_for_a_eur_account_without_costs_is_refused():
    ctx = replace(realistic_context("fourteen_day_letter", "nl", "neutral"), costs=None)
    with pytest.raises(MessageTemplateError, match="exact collection costs"):
        render_message("fourteen_day_letter", "letter", ctx)


@pytest.mark.parametrize(("language", "to_pay"), [("nl", "Te betalen"), ("en", "Amount to pay")])
def test_a_thank_you_lists_the_paid_invoice_without_a_total_that_does_not_add_up(language, to_pay):
    """Paid 2026-1001 in full, 2026-1002 still open elsewhere: the thanks lists what was paid."""
    ctx = realistic_context("payment_thanks", language, "friendly", count=1)
    paid = replace(ctx.invoices[0], open_amount=Money.zero("EUR"))
    ctx = replace(ctx, invoices=(paid,), amount_due=Money(Decimal("162.50"), "EUR"))
    message = render_message("payment_thanks", "email", ctx)
    assert "2026-1001" in message.text
    assert format_money(ctx.amount_due, language) in message.text  # the remainder, in words
    assert f"{to_pay}:" not in message.text
    assert f">{to_pay}<" not in (message.html or "")


@pytest.mark.parametrize(
    ("language", "phone", "email", "expected"),
    [
        ("nl", "020 123 4567", "a@b.nl", "Bel ons op 020 123 4567 of mail naar a@b.nl."),
        ("nl", "020 123 4567", None, "Bel ons op 020 123 4567."),
        ("nl", None, "a@b.nl", "Mail ons via a@b.nl."),
        ("nl", None, None, "Neem dan contact met ons op."),
        ("en", None, None, "please contact us."),
        ("en", None, "a@b.nl", "please email a@b.nl."),
    ],
)
def test_a_creditor_without_a_phone_number_is_not_asked_to_be_called(
    language, phone, email, expected
):
    ctx = realistic_context("reminder", language, "neutral")
    ctx = replace(ctx, creditor=replace(CREDITOR, phone=phone, email=email))
    text = render_message("reminder", "email", ctx).text
    assert expected in text
    assert "Bel ons." not in text and "call us." not in text


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("tone", TONES)
def test_a_fourteen_day_letter_does_not_claim_earlier_reminders(language, tone):
    """It may be the first contact (a strategy can start with it), so it says no more."""
    text = render_message(
        "fourteen_day_letter", "letter", realistic_context("fourteen_day_letter", language, tone)
    ).text
    assert "herinneringen" not in text and "reminders" not in text
