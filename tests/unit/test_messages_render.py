"""Every message template renders on every channel, in both languages and all tones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from creditflow.messages.context import InvoiceLine
from creditflow.messages.formatting import format_money
from creditflow.messages.render import (
    CHANNELS,
    TONES,
    MessageTemplateError,
    available_templates,
    links_shown,
    message_labels,
    render_message,
)
from creditflow.messages.sample import SAMPLE_CREDITOR, sample_context
from creditflow.messages.sms import sms_segments
from creditflow.money import Money

TEMPLATES = [
    "pre_due_nudge",
    "reminder",
    "second_reminder",
    "fourteen_day_letter",
    "final_notice_business",
    "payment_plan_installment_due",
    "payment_plan_missed",
    "promise_confirmation",
    "promise_broken",
    "dispute_received",
    "payment_thanks",
]
LANGUAGES = ["nl", "en"]
ELECTRONIC = {"email", "sms", "whatsapp"}
SUMMARISED = {"sms", "push"}  # carry the number of invoices, not each number
NO_PAYMENT_ASKED = {"dispute_received"}

FOURTEEN_DAYS_NL = "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd"


# Confirmations other areas queue about no invoice: (template, extra values)
NO_INVOICE_TEMPLATES = {
    "opt_out_confirmation": {},
    "access_code": {"code": "042917", "expires_minutes": 10},
    "pay_link": {},
    "conversation_reply": {"text": "Uw betaling van <b>12 maart</b> & de rest zijn verwerkt."},
}
NO_INVOICE_CHANNELS = ["email", "sms", "whatsapp", "push"]


def test_all_templates_are_available():
    assert available_templates() == sorted([*TEMPLATES, *NO_INVOICE_TEMPLATES])


def no_invoice_context(template: str, language: str, tone: str = "neutral"):
    ctx = sample_context(template, language, tone)
    return replace(ctx, invoices=(), payment_reference=None, extra=NO_INVOICE_TEMPLATES[template])


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", NO_INVOICE_CHANNELS)
@pytest.mark.parametrize("template", sorted(NO_INVOICE_TEMPLATES))
def test_confirmations_without_invoices_render_on_every_electronic_channel(
    template, channel, language, tone
):
    ctx = no_invoice_context(template, language, tone)
    message = render_message(template, channel, ctx)
    text = message.text
    assert message.language == language
    assert "{{" not in text and "{%" not in text
    assert "INV-" not in text and "  " not in text
    if channel != "sms" or not message.asks_payment:
        assert SAMPLE_CREDITOR.phone in text
    stop = {"nl": "Sms STOP", "en": "Reply STOP"}[language]
    opts_out = template not in ("opt_out_confirmation", "access_code")
    if channel in ("sms", "whatsapp"):
        assert (stop in text) is opts_out
    if channel == "email":
        assert message.html is not None and message.subject
        assert (ctx.opt_out_url in text) is opts_out
        assert (f'href="{ctx.opt_out_url}"' in message.html) is opts_out
    words = {
        "opt_out_confirmation": {"nl": "afgemeld", "en": "unsubscrib"},
        "access_code": {"nl": "042917", "en": "042917"},
        "pay_link": {"nl": "betaallink", "en": "payment link"},
        "conversation_reply": {"nl": "12 maart", "en": "12 maart"},
    }
    assert words[template][language] in text
    if channel == "sms":
        assert sms_segments(text) <= 2, (len(text), text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_opt_out_confirmation_names_the_channel_and_the_way_back(channel, language):
    message = render_message(
        "opt_out_confirmation", channel, no_invoice_context("opt_out_confirmation", language)
    )
    named = {
        ("sms", "nl"): "per sms",
        ("sms", "en"): "by SMS",
        ("email", "nl"): "per e-mail",
        ("email", "en"): "by email",
    }[(channel, language)]
    assert named in message.text
    assert "https://mijn.voorbeeld-installatie.nl/" in message.text
    assert not message.asks_payment
    assert "pay.voorbeeld-installatie.nl" not in message.text


@pytest.mark.parametrize(
    ("language", "expires", "ignore"),
    [
        ("nl", "verloopt over 10 minuten", "dit bericht negeren"),
        ("en", "expires in 10 minutes", "ignore this message"),
    ],
)
@pytest.mark.parametrize("channel", ["email", "sms", "whatsapp"])
def test_access_code_says_it_expires_and_may_be_ignored(channel, language, expires, ignore):
    message = render_message("access_code", channel, no_invoice_context("access_code", language))
    assert expires in message.text
    assert ignore in message.text
    assert not message.asks_payment


def test_access_code_of_one_minute_is_singular():
    ctx = replace(
        no_invoice_context("access_code", "en"), extra={"code": "1", "expires_minutes": 1}
    )
    assert "expires in 1 minute." in render_message("access_code", "sms", ctx).text


def test_access_code_without_the_code_is_refused():
    ctx = replace(no_invoice_context("access_code", "nl"), extra={"expires_minutes": 10})
    with pytest.raises(MessageTemplateError, match="'code'"):
        render_message("access_code", "sms", ctx)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pay_link_carries_the_link_amount_and_customer_number(language):
    ctx = no_invoice_context("pay_link", language)
    message = render_message("pay_link", "email", ctx)
    assert message.asks_payment
    assert ctx.pay_url in message.text
    assert f'href="{ctx.pay_url}"' in (message.html or "")
    assert format_money(ctx.amount_due, language) in message.text
    assert "C-1042" in message.text  # transfer quoting the customer number, not invoices


def test_pay_link_with_nothing_open_asks_nothing():
    ctx = replace(no_invoice_context("pay_link", "nl"), amount_due=Money(Decimal("0"), "EUR"))
    message = render_message("pay_link", "sms", ctx)
    assert not message.asks_payment
    assert ctx.pay_url not in message.text
    assert "niets open" in message.text


def test_conversation_reply_escapes_the_assistant_text_in_html_only():
    ctx = no_invoice_context("conversation_reply", "nl")
    message = render_message("conversation_reply", "email", ctx)
    assert "Uw betaling van <b>12 maart</b> & de rest zijn verwerkt." in message.text
    assert message.html is not None
    assert "<b>12 maart</b>" not in message.html
    assert "&lt;b&gt;12 maart&lt;/b&gt; &amp; de rest" in message.html


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_message_carries_amount_invoices_pay_link_contact_and_opt_out(
    template, channel, language, tone
):
    ctx = sample_context(template, language, tone)
    message = render_message(template, channel, ctx)
    text = message.text

    amount = ctx.extra["paid_amount"] if template == "payment_thanks" else ctx.amount_due
    assert format_money(amount, language) in text
    if channel in SUMMARISED:
        word = {"nl": "facturen", "en": "invoices"}[language]
        assert f"{len(ctx.invoices)} {word}" in text
    else:
        for invoice in ctx.invoices:
            assert invoice.invoice_number in text
    if channel == "voice":
        # links cannot be heard: the robocall names the website instead
        assert "https://" not in text
        if template not in NO_PAYMENT_ASKED:
            assert SAMPLE_CREDITOR.website in text
    else:
        pay_url, portal_url = links_shown(ctx, channel)
        if template in NO_PAYMENT_ASKED:
            assert portal_url in text
            assert pay_url not in text
        else:
            assert pay_url in text
    if channel != "sms" or template in NO_PAYMENT_ASKED:
        # an SMS asking for payment has no room for it: a reply reaches the creditor
        assert SAMPLE_CREDITOR.phone in text
    if channel == "email":
        assert ctx.opt_out_url in text
        assert message.html is not None
        assert f'href="{ctx.opt_out_url}"' in message.html
        assert format_money(amount, language) in message.html
        if template not in NO_PAYMENT_ASKED:
            assert f'href="{ctx.pay_url}"' in message.html
    elif channel in ELECTRONIC:
        assert {"nl": "Sms STOP", "en": "Reply STOP"}[language] in text
    else:
        assert "STOP" not in text
    if channel in ("email", "letter", "push"):
        assert message.subject
    else:
        assert message.subject is None
    assert "na dagtekening" not in text
    assert message.language == language
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("tone", TONES)
def test_reminder_sms_fits_two_segments(language, tone):
    text = render_message("reminder", "sms", sample_context("reminder", language, tone)).text
    assert sms_segments(text) <= 2, (len(text), text)


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("channel", ["email", "letter"])
def test_fourteen_day_letter_uses_the_safe_dutch_wording_and_exact_costs(channel, tone):
    ctx = sample_context("fourteen_day_letter", "nl", tone)
    message = render_message("fourteen_day_letter", channel, ctx)
    assert FOURTEEN_DAYS_NL in message.text
    assert "€ 61,88" in message.text
    assert "buitengerechtelijke incassokosten" in message.text
    assert "dagtekening" not in message.text


@pytest.mark.parametrize("channel", ["email", "letter"])
def test_english_fourteen_day_letter_also_carries_the_dutch_sentence(channel):
    ctx = sample_context("fourteen_day_letter", "en", "neutral")
    text = render_message("fourteen_day_letter", channel, ctx).text
    assert "within fourteen days from the day after this letter was delivered to you" in text
    assert f"Wij verzoeken u het bedrag van € 412,50 te betalen {FOURTEEN_DAYS_NL}." in text
    assert "€61.88" in text


def test_fourteen_day_letter_without_costs_is_refused():
    ctx = replace(sample_context("fourteen_day_letter"), costs=None)
    with pytest.raises(MessageTemplateError, match="ctx.costs"):
        render_message("fourteen_day_letter", "letter", ctx)


def test_fourteen_day_letter_mentions_vat_when_costs_include_it():
    ctx = sample_context("fourteen_day_letter")
    ctx = replace(ctx, extra={"costs_include_vat": True})
    text = render_message("fourteen_day_letter", "email", ctx).text
    assert "inclusief btw" in text


def test_customer_name_is_escaped_in_html_but_plain_in_text():
    ctx = sample_context("reminder", "en", "friendly", customer_name="<script>alert(1)</script>")
    message = render_message("reminder", "email", ctx)
    assert message.html is not None
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "Dear <script>alert(1)</script>," in message.text


def test_ampersand_in_creditor_name_is_escaped_once_in_html():
    ctx = sample_context("reminder", "nl")
    ctx = replace(ctx, creditor=replace(SAMPLE_CREDITOR, name="Jansen & Zn."))
    html = render_message("reminder", "email", ctx).html
    assert html is not None
    assert "Jansen &amp; Zn." in html
    assert "&amp;amp;" not in html


def test_business_customer_is_addressed_formally():
    ctx = sample_context("reminder", "nl", "neutral", customer_kind="business")
    assert render_message("reminder", "letter", ctx).text.startswith("Geachte heer/mevrouw,")
    ctx = sample_context("reminder", "en", "firm", customer_kind="business")
    assert render_message("reminder", "email", ctx).text.startswith("Dear Sir or Madam,")


def test_friendly_tone_uses_first_name_greeting_and_firm_tone_differs():
    friendly = render_message("reminder", "email", sample_context("reminder", "nl", "friendly"))
    firm = render_message("reminder", "email", sample_context("reminder", "nl", "firm"))
    assert friendly.text.startswith("Beste J. de Vries,")
    assert firm.text.startswith("Geachte J. de Vries,")
    assert friendly.subject != firm.subject


def test_single_invoice_is_named_in_singular():
    ctx = sample_context("reminder", "nl")
    ctx = replace(ctx, invoices=ctx.invoices[:1], amount_due=ctx.invoices[0].open_amount)
    message = render_message("reminder", "sms", ctx)
    assert "Factuur INV-2026-1001 van € 250,00 is vervallen" in message.text
    subject = render_message("reminder", "email", ctx).subject
    assert subject == "Betalingsherinnering factuur INV-2026-1001"


def test_many_invoices_are_counted_in_sentences_and_listed_in_the_email():
    ctx = sample_context("reminder", "en")
    first = ctx.invoices[0]
    invoices = [
        replace(first, invoice_number=f"INV-{n}", due_date=first.due_date + timedelta(days=n))
        for n in range(7)
    ]
    ctx = replace(ctx, invoices=invoices, amount_due=Money(Decimal("1750.00"), "EUR"))
    message = render_message("reminder", "email", ctx)
    assert message.subject == "Payment reminder: 7 invoices"
    for invoice in invoices:
        assert f"- {invoice.invoice_number} of " in message.text
    assert "€1,750.00" in message.text


def test_payment_thanks_without_balance_asks_nothing():
    ctx = replace(sample_context("payment_thanks", "nl"), amount_due=Money(Decimal("0"), "EUR"))
    message = render_message("payment_thanks", "email", ctx)
    assert not message.asks_payment
    assert ctx.pay_url not in message.text
    assert "volledig voldaan" in message.text


def test_unknown_language_falls_back_to_english():
    ctx = sample_context("reminder", "de", "neutral")
    message = render_message("reminder", "email", ctx)
    assert message.language == "en"
    assert message.text.startswith("Dear J. de Vries,")
    assert "€412.50" in message.text


def test_unknown_tone_falls_back_to_neutral():
    shouty = render_message("reminder", "email", sample_context("reminder", "nl", "shouty"))
    neutral = render_message("reminder", "email", sample_context("reminder", "nl", "neutral"))
    assert shouty.text == neutral.text


def test_unknown_channel_and_template_are_clear_errors():
    ctx = sample_context("reminder")
    with pytest.raises(MessageTemplateError, match="unknown channel 'fax'"):
        render_message("reminder", "fax", ctx)
    with pytest.raises(MessageTemplateError, match="unknown message template 'remindr'"):
        render_message("remindr", "email", ctx)


def test_missing_template_value_names_it():
    ctx = replace(sample_context("promise_confirmation"), extra={"promise_date": date(2026, 3, 9)})
    with pytest.raises(MessageTemplateError, match="promise_amount"):
        render_message("promise_confirmation", "email", ctx)


def test_override_wording_wins(tmp_path: Path):
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "reminder.j2").write_text(
        "{% set asks_payment = true %}"
        "{% macro subject() %}Eigen onderwerp {{ common.refs() }}{% endmacro %}"
        "{% macro body() %}Eigen tekst, {{ amount }}.{% endmacro %}"
        "{% macro short() %}Eigen sms {{ amount }}.{% endmacro %}"
        "{% macro spoken() %}Eigen gesproken tekst.{% endmacro %}",
        encoding="utf-8",
    )
    ctx = sample_context("reminder", "nl")
    message = render_message("reminder", "email", ctx, override_dir=tmp_path)
    assert message.subject == "Eigen onderwerp facturen INV-2026-1001 en INV-2026-1002"
    assert "Eigen tekst, € 412,50." in message.text
    # the English wording is untouched
    english = render_message(
        "reminder", "email", sample_context("reminder", "en"), override_dir=tmp_path
    )
    assert english.subject == "Payment reminder: invoices INV-2026-1001 and INV-2026-1002"


def test_override_channel_layout_and_single_template_layout(tmp_path: Path):
    (tmp_path / "channels" / "sms").mkdir(parents=True)
    (tmp_path / "channels" / "sms" / "text.txt.j2").write_text(
        "ALL {{ msg.short()|oneline }} {{ pay_url }} {{ common.stop() }}", encoding="utf-8"
    )
    (tmp_path / "nl" / "reminder" / "sms").mkdir(parents=True)
    (tmp_path / "nl" / "reminder" / "sms" / "text.txt.j2").write_text(
        "ONLY REMINDER {{ amount }} {{ pay_url }}", encoding="utf-8"
    )
    reminder = render_message("reminder", "sms", sample_context("reminder"), override_dir=tmp_path)
    nudge = render_message(
        "pre_due_nudge", "sms", sample_context("pre_due_nudge"), override_dir=tmp_path
    )
    assert reminder.text.startswith("ONLY REMINDER € 412,50")
    assert nudge.text.startswith("ALL ")
    assert nudge.text.endswith("Afmelden? Sms STOP")


def test_new_template_in_override_folder_is_available(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "welcome_back.j2").write_text(
        "{% set asks_payment = false %}"
        "{% macro subject() %}Welcome back{% endmacro %}"
        "{% macro body() %}Good to see you, {{ ctx.customer_name }}.{% endmacro %}"
        "{% macro short() %}Welcome back.{% endmacro %}"
        "{% macro spoken() %}Welcome back.{% endmacro %}",
        encoding="utf-8",
    )
    assert "welcome_back" in available_templates(override_dir=tmp_path)
    ctx = sample_context("welcome_back", "nl")
    message = render_message("welcome_back", "email", ctx, override_dir=tmp_path)
    assert message.language == "en"  # no Dutch wording: English
    assert "Good to see you, J. de Vries." in message.text


def test_broken_override_template_is_reported_with_template_and_channel(tmp_path: Path):
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "reminder.j2").write_text("{% macro subject() %}{{ nope }}{% endmacro %}")
    with pytest.raises(MessageTemplateError, match="'reminder' for email"):
        render_message("reminder", "email", sample_context("reminder"), override_dir=tmp_path)


@pytest.mark.parametrize(
    ("language", "heading"), [("nl", "Betalingskenmerk"), ("en", "Payment reference")]
)
def test_labels_per_language(language, heading):
    assert message_labels(language)["reference"] == heading
    assert message_labels("fr")["reference"] == "Payment reference"


def test_invoice_in_other_currency_is_refused():
    ctx = sample_context("reminder")
    usd = InvoiceLine(
        invoice_number="INV-USD",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 15),
        amount=Money(Decimal("10"), "USD"),
        open_amount=Money(Decimal("10"), "USD"),
    )
    with pytest.raises(ValueError, match="INV-USD is in USD"):
        replace(ctx, invoices=[*ctx.invoices, usd])


def test_unknown_customer_kind_is_refused():
    with pytest.raises(ValueError, match="customer_kind 'person'"):
        sample_context("reminder", customer_kind="person")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_email_without_its_html_alternative_has_the_same_subject_and_text(language):
    """The simulator leaves out the HTML nobody reads; what the checks read is unchanged."""
    ctx = sample_context("reminder", language)
    full = render_message("reminder", "email", ctx)
    plain = render_message("reminder", "email", ctx, with_html=False)
    assert full.html and plain.html is None
    assert (plain.subject, plain.text) == (full.subject, full.text)
