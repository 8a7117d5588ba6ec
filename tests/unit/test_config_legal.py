"""`[legal]` in creditflow.toml: the business cost mode and VAT on costs, checked at load."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from creditflow.config import ConfigError, LegalRules, load_settings


def settings_with(tmp_path: Path, legal: str):
    path = tmp_path / "creditflow.toml"
    path.write_text("[legal]\n" + legal, encoding="utf-8")
    return load_settings({"CREDITFLOW_CONFIG": str(path)})


def test_without_a_legal_section_businesses_pay_40_per_invoice_and_no_vat(tmp_path) -> None:
    assert load_settings({}).legal == LegalRules()
    assert LegalRules().business_costs == "flat_40" and not LegalRules().vat_on_costs


def test_scale_with_vat(tmp_path) -> None:
    legal = settings_with(tmp_path, 'business_costs = "wik_scale"\nvat_on_costs = true\n').legal
    assert (legal.business_costs, legal.vat_on_costs, legal.vat_rate) == (
        "wik_scale",
        True,
        Decimal("21"),
    )


def test_contractual_amount_and_percentage(tmp_path) -> None:
    legal = settings_with(
        tmp_path,
        'business_costs = "contractual"\ncontractual_amount = "75.00"\n'
        "contractual_percentage = 10\n",
    ).legal
    assert (legal.contractual_amount, legal.contractual_percentage) == (
        Decimal("75.00"),
        Decimal("10"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('business_costs = "contractual"\n', "needs contractual_amount"),
        ('business_costs = "forty"\n', "expected one of flat_40, wik_scale, contractual"),
        ('vat_on_costs = "yes"\n', "vat_on_costs: expected true or false"),
        ("contractual_amount = 50\n", 'only used with business_costs = "contractual"'),
        ('business_costs = "contractual"\ncontractual_amount = "-5"\n', "at least 0"),
        ('business_costs = "contractual"\ncontractual_percentage = 150\n', "at most 100"),
        ("vat = true\n", "unknown setting(s) vat"),
    ],
)
def test_a_wrong_legal_setting_is_refused_by_name(tmp_path, text, message) -> None:
    with pytest.raises(ConfigError, match=r"\[legal\]") as refused:
        settings_with(tmp_path, text)
    assert message in str(refused.value)
