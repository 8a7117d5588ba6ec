"""The checks on a model's rewording: facts exact, nothing threatening or new, short enough."""

from __future__ import annotations

from dataclasses import replace

import pytest

from creditflow.messages.llm_check import (
    check_llm_text,
    check_text,
    find_amounts,
    find_urls,
    message_facts,
    reply_facts,
)
from creditflow.messages.render import available_templates, render_message
from creditflow.messages.sample import sample_context, sample_extra

PAY = "https://pay.voorbeeld-installatie.nl/p/7Kq2xW9a"


def _rendered(template: str = "reminder", channel: str = "sms", language: str = "nl"):
    ctx = sample_context(template, language, "friendly")
    ctx = replace(ctx, extra={**sample_extra(template, ctx.today), **ctx.extra})
    return ctx, render_message(template, channel, ctx)


GOOD_NL_SMS = (
    "Voorbeeld Installatietechniek B.V.: Beste klant, we missen nog uw betaling van "
    f"€ 412,50 voor 2 facturen. Betaal eenvoudig via {PAY} Antwoord STOP om af te melden."
)


def test_an_honest_rewording_of_the_dutch_sms_passes() -> None:
    ctx, rendered = _rendered()
    assert check_llm_text(GOOD_NL_SMS, ctx, "sms", original=rendered.text) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (GOOD_NL_SMS.replace("€ 412,50", "€ 421,50"), "missing"),  # changed amount
        (GOOD_NL_SMS.replace("€ 412,50", "€412,50"), "missing"),  # not written exactly
        (GOOD_NL_SMS.replace(PAY, ""), "missing"),  # dropped the pay link
        (GOOD_NL_SMS.replace(PAY, PAY + "?utm=sms"), "missing"),  # modified pay link
        (GOOD_NL_SMS.replace(PAY, PAY[:-1]), "missing"),  # truncated pay link
        (GOOD_NL_SMS.replace("2 facturen", "uw facturen"), "missing"),  # lost the count
        (GOOD_NL_SMS.replace("Antwoord STOP om af te melden.", ""), "missing"),
        (GOOD_NL_SMS.replace("Voorbeeld Installatietechniek B.V.: ", ""), "missing"),
        (GOOD_NL_SMS + " Anders komt de deurwaarder.", "threat"),
        (GOOD_NL_SMS + " Zie ook https://evil.example.com/pay", "link"),
        (GOOD_NL_SMS + " Of via betaal-snel.nl", "link"),
        (GOOD_NL_SMS + " Plus € 40,00 kosten.", "amount"),
        (GOOD_NL_SMS + " <script>alert(1)</script>", "markup"),
        (GOOD_NL_SMS + " Dank u wel en een hele fijne dag verder gewenst!" * 3, "length"),
        (GOOD_NL_SMS.replace("Beste", "Beste\u200b"), "hidden"),
        ("   ", "empty"),
    ],
)
def test_a_rewording_that_breaks_a_rule_is_refused(text: str, code: str) -> None:
    ctx, rendered = _rendered()
    problems = check_llm_text(text, ctx, "sms", original=rendered.text)
    assert code in {problem.split(":")[0] for problem in problems}, problems


def test_sms_that_no_longer_fits_the_gsm_alphabet_costs_more_segments_and_is_refused() -> None:
    ctx, rendered = _rendered()
    text = GOOD_NL_SMS.replace("Beste klant", "Beste klant 😊")  # UCS-2: 67 chars a segment
    problems = check_llm_text(text, ctx, "sms", original=rendered.text)
    assert any(p.startswith("length") and "segments" in p for p in problems)


@pytest.mark.parametrize(
    "sentence",
    [
        "Anders schakelen wij een gerechtsdeurwaarder in.",
        "Wij starten een rechtszaak.",
        "Er volgt loonbeslag.",
        "We doen aangifte bij de politie.",
        "U komt in het BKR.",
        "We nemen contact op met uw werkgever.",
        "We will take legal action.",
        "A bailiff will visit you.",
        "We will sue you.",
        "We may seize your car.",
        "This goes to court.",
        "The police will be informed.",
        "This will hurt your credit score.",
        "You could go to jail.",
        "We will pass this to a collection agency.",
    ],
)
def test_threats_in_either_language_are_refused(sentence: str) -> None:
    ctx, rendered = _rendered("reminder", "whatsapp", "en")
    text = f"{rendered.text}\n{sentence}"
    problems = check_llm_text(text, ctx, "whatsapp", original=rendered.text)
    assert any(p.startswith("threat") for p in problems), sentence


@pytest.mark.parametrize(
    "sentence",
    ["See our privacy policy.", "We appreciate your courtesy.", "Thank you for your business."],
)
def test_ordinary_words_that_resemble_threats_pass(sentence: str) -> None:
    ctx, rendered = _rendered("reminder", "whatsapp", "en")
    text = f"{rendered.text}\n{sentence}"
    assert check_llm_text(text, ctx, "whatsapp", original=rendered.text) == []


def test_escalation_the_template_itself_announces_may_be_repeated() -> None:
    ctx, rendered = _rendered("final_notice_business", "sms", "en")
    assert "collection agency" in rendered.text
    assert check_llm_text(rendered.text, ctx, "sms", original=rendered.text) == []


def test_whatsapp_keeps_every_listed_invoice_and_due_date() -> None:
    ctx, rendered = _rendered("reminder", "whatsapp", "nl")
    facts = dict(message_facts(ctx, rendered.text).required)
    assert facts["amount due"] == "€ 412,50"
    assert facts["pay link"] == PAY
    without_invoice = rendered.text.replace("INV-2026-1002", "INV-2026-1003")
    problems = check_llm_text(without_invoice, ctx, "whatsapp", original=rendered.text)
    assert any("INV-2026-1002" in p for p in problems)
    moved_date = rendered.text.replace("31 januari 2026", "1 februari 2026")
    problems = check_llm_text(moved_date, ctx, "whatsapp", original=rendered.text)
    assert any("31 januari 2026" in p for p in problems)


def test_a_fact_the_template_did_not_show_is_not_required() -> None:
    ctx, rendered = _rendered("reminder", "sms", "nl")
    facts = message_facts(ctx, rendered.text)
    assert all("INV-" not in value for _, value in facts.required)  # SMS shows the count
    assert facts.invoice_count == 2
    assert all(what != "due date" for what, _ in facts.required)


@pytest.mark.parametrize("template", sorted(set(available_templates()) - {"access_code"}))
@pytest.mark.parametrize("channel", ["sms", "whatsapp", "push"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_template_text_passes_its_own_check(template: str, channel: str, language: str):
    if template == "conversation_reply":
        ctx = replace(sample_context(template, language), extra={"text": "Wij helpen u graag."})
        rendered = render_message(template, channel, ctx)
    else:
        ctx, rendered = _rendered(template, channel, language)
    assert check_llm_text(rendered.text, ctx, channel, original=rendered.text) == []


def test_urls_and_amounts_are_found_as_written() -> None:
    text = f"Betaal € 412,50 of 12.50 EUR via {PAY}. Mail info@example.nl of www.example.nl/x."
    assert find_urls(text) == [PAY, "info@example.nl", "www.example.nl/x"]
    assert find_amounts(text) == ["€412,50", "12.50EUR"]
    assert find_urls("Voorbeeld B.V. en J. de Vries, t.a.v. de heer Jansen") == []


def test_a_reply_keeps_its_link_and_every_number() -> None:
    original = "Dank u. We hebben genoteerd dat u uiterlijk 16-03-2026 betaalt."
    facts = reply_facts(original)
    assert ("fact", "16-03-2026") in facts.required
    ok = "Bedankt! We noteren dat u uiterlijk 16-03-2026 betaalt."
    assert check_text(ok, facts, original=original, channel="sms") == []
    wrong = "Bedankt! We noteren dat u uiterlijk 17-03-2026 betaalt."
    assert check_text(wrong, facts, original=original, channel="sms")
    link = "https://portal.example.nl/portal/abc"
    facts = reply_facts(f"U kunt een regeling treffen: {link}")
    assert check_text(
        "Regel het hier: https://portal.example.nl/portal/abd", facts, original=link, channel="chat"
    )
