"""The standard SMS reminders fit one GSM-7 segment (160 characters) with a short link.

Every SMS the default strategy sends (template and tone of each step with an SMS
channel), in Dutch and English, for a creditor with a long name, one invoice of
EUR 1.234,56 and a short link on a realistic public address.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from importlib import resources

import pytest
import yaml

from creditflow.links.short_codes import derive_code
from creditflow.links.short_links import short_url
from creditflow.messages.render import render_message
from creditflow.messages.sample import SAMPLE_CREDITOR, sample_context
from creditflow.messages.sms import is_gsm7, sms_segments
from creditflow.money import Money


def _sms_steps() -> list[tuple[str, str]]:
    text = resources.files("creditflow.strategy").joinpath("data/default.yaml").read_text()
    strategies = yaml.safe_load(text)["strategies"]
    found = set()
    for strategy in strategies.values():
        for step in strategy["steps"]:
            if "sms" in step.get("channels", []):
                found.add((step["template"], step.get("tone", strategy.get("tone", "neutral"))))
    return sorted(found)


STEPS = _sms_steps()
CREDITORS = [
    replace(SAMPLE_CREDITOR, name="Zonnepaneel Service Nederland B.V."),  # the demo company
    replace(SAMPLE_CREDITOR, name="Voorbeeld Installatietechniek B.V."),
]


def test_the_default_strategy_sends_these_sms():
    assert {template for template, _ in STEPS} == {"pre_due_nudge", "reminder", "second_reminder"}


@pytest.mark.parametrize("creditor", CREDITORS, ids=lambda c: c.name)
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(("template", "tone"), STEPS)
def test_a_standard_sms_reminder_is_one_segment(template, tone, language, creditor):
    ctx = sample_context(
        template, language, tone, customer_name="Johanna Maria van den Berg-Oosterhuis"
    )
    [first, *_] = ctx.invoices
    link = short_url("https://pay.example-bv.nl", derive_code("secret", "a1b2c3d4", "pay"))
    ctx = replace(
        ctx,
        creditor=creditor,
        invoices=(replace(first, invoice_number="INV-2026-1001"),),
        amount_due=Money(Decimal("1234.56"), "EUR"),
        pay_short_url=link,
    )
    text = render_message(template, "sms", ctx).text
    assert link in text and "https://" not in text
    assert "1.234,56" in text or "1,234.56" in text
    assert is_gsm7(text), text  # no character forces UCS-2 (70 per segment)
    assert sms_segments(text) == 1, (len(text), text)
