"""One function decides the collection costs a claim owes, per kind and [legal] mode."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditflow.compliance.costs import costs_due, notice_template_for
from creditflow.config import LegalRules
from creditflow.money import Money


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


FLAT = LegalRules()
FLAT_VAT = LegalRules(vat_on_costs=True)
SCALE = LegalRules(business_costs="wik_scale")
SCALE_VAT = LegalRules(business_costs="wik_scale", vat_on_costs=True)


def agreed(amount: str | None = None, percentage: str | None = None) -> LegalRules:
    return LegalRules(
        business_costs="contractual",
        contractual_amount=None if amount is None else Decimal(amount),
        contractual_percentage=None if percentage is None else Decimal(percentage),
    )


@pytest.mark.parametrize(
    ("kind", "principal", "invoices", "rules", "amount", "basis", "vat"),
    [
        # consumers: the WIK scale on the principal, whatever the business mode
        ("consumer", "1000.00", 1, FLAT, "150.00", "wik", False),
        ("consumer", "266.67", 3, SCALE, "40.00", "wik", False),
        ("consumer", "1000.00", 1, FLAT_VAT, "181.50", "wik", True),
        # businesses, flat_40 (default): EUR 40 per invoice, no VAT on the compensation
        ("business", "1500.00", 2, FLAT, "80.00", "flat_40", False),
        ("business", "1500.00", 2, FLAT_VAT, "80.00", "flat_40", False),
        ("business", "50000.00", 1, FLAT, "40.00", "flat_40", False),
        # wik_scale: the scale, but never below EUR 40 per invoice
        ("business", "1500.00", 2, SCALE, "225.00", "wik_scale", False),
        ("business", "1500.00", 2, SCALE_VAT, "272.25", "wik_scale", True),
        ("business", "200.00", 2, SCALE, "80.00", "flat_40", False),
        ("business", "10000.00", 1, SCALE, "875.00", "wik_scale", False),
        # contractual: amount per invoice and/or percentage, the higher; at least 40/invoice
        ("business", "1500.00", 2, agreed(amount="50"), "100.00", "contractual", False),
        ("business", "1500.00", 2, agreed(amount="25"), "80.00", "contractual", False),
        ("business", "1500.00", 2, agreed(percentage="15"), "225.00", "contractual", False),
        ("business", "1500.00", 2, agreed("50", "15"), "225.00", "contractual", False),
        ("business", "1500.00", 2, agreed(percentage="1"), "80.00", "contractual", False),
    ],
)
def test_costs_per_kind_and_mode(kind, principal, invoices, rules, amount, basis, vat) -> None:
    due = costs_due(kind, eur(principal), invoices, rules)
    assert due is not None
    assert (due.amount, due.basis, due.includes_vat) == (eur(amount), basis, vat)
    if kind == "business":
        assert due.per_invoice == eur("40")


def test_no_costs_outside_euro_or_without_an_open_amount() -> None:
    assert costs_due("consumer", Money(Decimal("100"), "USD"), 1) is None
    assert costs_due("business", eur("0"), 1) is None
    assert costs_due("business", eur("10"), 0) is None


def test_the_default_rules_are_flat_40_without_vat() -> None:
    due = costs_due("business", eur("900"), 3)
    assert due is not None and (due.amount, due.basis) == (eur("120"), "flat_40")


@pytest.mark.parametrize(
    ("kind", "template", "expected"),
    [
        ("business", "fourteen_day_letter", "final_notice_business"),
        ("consumer", "final_notice_business", "fourteen_day_letter"),
        ("consumer", "fourteen_day_letter", "fourteen_day_letter"),
        ("business", "final_notice_business", "final_notice_business"),
        ("business", "reminder", "reminder"),
        ("business", None, None),
    ],
)
def test_the_final_notice_fits_the_kind(kind, template, expected) -> None:
    assert notice_template_for(kind, template) == expected
