"""The collection costs of one claim: what the run charges and what the letters state.

One pure function, `costs_due`, decides the amount for both (engine.charge_amounts
and the notice that announces it), so a letter never states one amount while the run
charges another. Consumers owe the WIK scale (art. 6:96 lid 5-6 BW and the Besluit);
businesses owe what `[legal] business_costs` says, never less than the statutory EUR 40
per invoice (art. 6:96 lid 4 BW, Directive 2011/7/EU). VAT is added to WIK-scale
costs only when the creditor cannot deduct it (Besluit art. 2 lid 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from creditflow.compliance.wik import (
    BUSINESS_MINIMUM_PER_INVOICE,
    WIK_CURRENCY,
    business_compensation,
    collection_costs,
)
from creditflow.config import LegalRules
from creditflow.money import Money

__all__ = [
    "BUSINESS_NOTICE_TEMPLATE",
    "CONSUMER_NOTICE_TEMPLATE",
    "CostsDue",
    "claim_costs",
    "costs_due",
    "notice_template_for",
]

CONSUMER_NOTICE_TEMPLATE = "fourteen_day_letter"
BUSINESS_NOTICE_TEMPLATE = "final_notice_business"


@dataclass(frozen=True, slots=True)
class CostsDue:
    """The costs of one claim and how they were reached, for the charge and the letter.

    basis: "wik" (consumer, the WIK scale), "flat_40", "wik_scale" or "contractual"
    (business). per_invoice: the statutory minimum per invoice for businesses.
    """

    amount: Money
    basis: str
    includes_vat: bool = False
    per_invoice: Money | None = None


def _contractual(principal: Money, invoice_count: int, rules: LegalRules) -> Money:
    """The agreed costs: amount per invoice and/or a percentage, the higher of the two."""
    candidates: list[Decimal] = []
    if rules.contractual_amount is not None:
        candidates.append(rules.contractual_amount * invoice_count)
    if rules.contractual_percentage is not None:
        candidates.append(principal.amount * rules.contractual_percentage / 100)
    if not candidates:
        raise ValueError("contractual: [legal] needs contractual_amount or contractual_percentage")
    return Money(max(candidates), principal.currency)


def costs_due(
    kind: str, principal: Money, invoice_count: int, rules: LegalRules | None = None
) -> CostsDue | None:
    """The collection costs for a claim of `invoice_count` invoices totalling `principal`.

    None when no costs apply: a currency other than EUR, or nothing open.
    """
    legal = rules or LegalRules()
    if principal.currency != WIK_CURRENCY or principal.amount <= 0 or invoice_count < 1:
        return None
    vat_rate = legal.vat_rate / 100
    if kind == "consumer":
        amount = collection_costs(principal, add_vat=legal.vat_on_costs, vat_rate=vat_rate)
        return CostsDue(amount, "wik", includes_vat=legal.vat_on_costs)
    minimum = Money(BUSINESS_MINIMUM_PER_INVOICE, WIK_CURRENCY)
    # business_compensation checks per invoice; the total is what counts here
    share = Money(principal.amount / invoice_count, principal.currency)
    shares = [share] * invoice_count
    mode = legal.business_costs
    if mode == "wik_scale":
        scale = collection_costs(principal, add_vat=legal.vat_on_costs, vat_rate=vat_rate)
        floor = business_compensation(shares, mode="fixed")
        if scale < floor:
            return CostsDue(floor, "flat_40", per_invoice=minimum)
        return CostsDue(scale, "wik_scale", includes_vat=legal.vat_on_costs, per_invoice=minimum)
    if mode == "contractual":
        agreed = _contractual(principal, invoice_count, legal)
        amount = business_compensation(shares, mode="contractual", contractual=agreed)
        return CostsDue(amount, "contractual", per_invoice=minimum)
    return CostsDue(business_compensation(shares, mode="fixed"), "flat_40", per_invoice=minimum)


def claim_costs(
    kind: str, currency: str, open_minor: int, invoice_count: int, rules: LegalRules | None = None
) -> CostsDue | None:
    """The collection costs of a claim: its invoices' open total (minor units) and count.

    The one choice of what the costs are computed on, for the charge the run books
    (`strategy.costs.claim_costs_minor`, set-based) and the notice that announces
    them (`dispatch.render`, for the invoices still open at send time).
    """
    return costs_due(kind, Money.of_minor(open_minor, currency), invoice_count, rules)


def notice_template_for(kind: str, template: str | None) -> str | None:
    """The final-notice template for the customer's kind: a business never gets the
    consumer 14-day letter (its costs rest on art. 6:96 lid 4 BW, not the Besluit), and a
    consumer never gets the business notice (which charges costs without the letter).
    """
    if kind == "business" and template == CONSUMER_NOTICE_TEMPLATE:
        return BUSINESS_NOTICE_TEMPLATE
    if kind == "consumer" and template == BUSINESS_NOTICE_TEMPLATE:
        return CONSUMER_NOTICE_TEMPLATE
    return template
