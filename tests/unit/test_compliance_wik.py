"""WIK collection costs: the scale with its edges, VAT, B2B compensation, stacked claims."""

from decimal import Decimal

import pytest

from creditflow.compliance.wik import (
    StackedClaimsCap,
    business_compensation,
    collection_costs,
    stacked_collection_costs,
)
from creditflow.money import Money


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        # the checks in DOMAIN.md (stb-2012-141 art. 2)
        ("266.67", "40.00"),  # 15% = 40.0005 -> 40.00
        ("1000", "150.00"),  # 15% of 1,000
        ("2667", "391.70"),  # 375 + 10% of 167 = 375 + 16.70
        ("10000", "875.00"),  # 375 + 250 + 5% of 5,000 = 875
        ("200000", "2775.00"),  # 875 + 1% of 190,000 = 875 + 1,900
        # edges
        ("0.01", "40.00"),  # minimum
        ("266.66", "40.00"),  # 15% = 39.999 -> the minimum 40
        ("300.10", "45.02"),  # 15% = 45.015 -> half-up 45.02
        ("2500", "375.00"),  # 15% of 2,500
        ("2500.01", "375.00"),  # 375 + 10% of 0.01 = 375.001
        ("5000", "625.00"),  # 375 + 10% of 2,500
        ("5000.10", "625.01"),  # 625 + 5% of 0.10 = 625.005 -> half-up (half-even: 625.00)
        ("10000.50", "875.01"),  # 875 + 1% of 0.50 = 875.005 -> half-up
        ("1000000", "6775.00"),  # 2,775 + 0.5% of 800,000 = 2,775 + 4,000: the maximum
        ("1000001", "6775.00"),  # above the maximum
        ("5000000", "6775.00"),
    ],
)
def test_collection_costs_follow_the_scale(principal: str, expected: str) -> None:
    assert collection_costs(eur(principal)) == eur(expected)
    assert collection_costs(eur(principal)).text() == expected


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("1000", "181.50"),  # 150.00 * 1.21
        ("2667", "473.96"),  # 391.70 * 1.21 = 473.957
        ("1", "48.40"),  # 40.00 * 1.21
        ("1000000", "8197.75"),  # 6,775 * 1.21: VAT comes on top of the maximum
    ],
)
def test_vat_is_added_only_when_asked(principal: str, expected: str) -> None:
    assert collection_costs(eur(principal), add_vat=True) == eur(expected)
    assert collection_costs(eur(principal), add_vat=False) == collection_costs(eur(principal))


def test_vat_rate_can_be_given() -> None:
    assert collection_costs(eur("1000"), add_vat=True, vat_rate=Decimal("0.09")) == eur("163.50")


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        (Money(Decimal("100"), "USD"), "EUR"),
        (eur("0"), "positive"),
        (eur("-5"), "positive"),
    ],
)
def test_collection_costs_refuse_bad_principals(principal: Money, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        collection_costs(principal)


@pytest.mark.parametrize(
    ("principals", "mode", "contractual", "expected"),
    [
        (["100"], "fixed", None, "40.00"),
        (["100", "5000", "12.50"], "fixed", None, "120.00"),  # 3 invoices x 40
        (["1000", "1667"], "scale", None, "391.70"),  # scale over the total 2,667
        (["100", "100"], "scale", None, "40.00"),  # 15% of 200 = 30 -> minimum 40
        (["1000", "1000"], "contractual", "250", "250.00"),
        (["1000", "1000"], "contractual", "50", "80.00"),  # never below 40 per invoice
    ],
)
def test_business_compensation(
    principals: list[str], mode: str, contractual: str | None, expected: str
) -> None:
    agreed = eur(contractual) if contractual is not None else None
    assert business_compensation([eur(p) for p in principals], mode, agreed) == eur(expected)


@pytest.mark.parametrize(
    ("principals", "mode", "contractual", "error", "message"),
    [
        ([], "fixed", None, ValueError, "at least one"),
        (["100"], "contractual", None, ValueError, "agreed amount"),
        (["100"], "percent", None, ValueError, "mode"),
        (["-1"], "fixed", None, ValueError, r"invoice_principals\[0\]"),
    ],
)
def test_business_compensation_errors(
    principals: list[str], mode: str, contractual: str | None, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        business_compensation([eur(p) for p in principals], mode, contractual)


def test_business_compensation_refuses_other_currencies() -> None:
    with pytest.raises(ValueError, match="EUR"):
        business_compensation([eur("10"), Money(Decimal("10"), "GBP")])


@pytest.mark.parametrize(
    ("principals", "cap", "expected"),
    [
        (["100"] * 5, StackedClaimsCap(), "140.00"),  # 5 x 40 = 200, capped at 140
        (["100", "100"], StackedClaimsCap(), "80.00"),  # 2 x 40 = 80, under the cap
        (["100"] * 4 + ["1000"], StackedClaimsCap(), "290.00"),  # 140 (capped) + 150
        (["266.67"] * 4, StackedClaimsCap(), "160.00"),  # not below the threshold: 4 x 40
        (["266.66"] * 4, StackedClaimsCap(), "140.00"),  # below it: 160 capped at 140
        (["100"] * 5, StackedClaimsCap(enabled=False), "200.00"),  # cap switched off
        (["100"] * 5, StackedClaimsCap(total_cap=Decimal("100")), "100.00"),
    ],
)
def test_stacked_small_claims_cap(
    principals: list[str], cap: StackedClaimsCap, expected: str
) -> None:
    assert stacked_collection_costs([eur(p) for p in principals], cap=cap) == eur(expected)


def test_stacked_claims_vat_on_the_capped_total() -> None:
    total = stacked_collection_costs([eur("100")] * 5, add_vat=True)
    assert total == eur("169.40")  # 140.00 * 1.21


def test_stacked_claims_need_a_claim() -> None:
    with pytest.raises(ValueError, match="at least one"):
        stacked_collection_costs([])
