"""Payment allocation (art. 6:44 BW): costs, then interest, then principal; oldest first."""

from datetime import date
from decimal import Decimal

import pytest

from creditflow.compliance.allocation import OpenItem, allocate_payment
from creditflow.money import Money


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


# Invoice A (due 2026-01-10) has costs and interest; invoice B (due 2025-12-01) is older.
ITEMS = [
    OpenItem("A-principal", "principal", eur("200.00"), date(2026, 1, 10)),
    OpenItem("B-principal", "principal", eur("300.00"), date(2025, 12, 1)),
    OpenItem("A-interest", "interest", eur("5.00"), date(2026, 1, 10)),
    OpenItem("A-costs", "costs", eur("40.00"), date(2026, 1, 10)),
]


def applied(allocation) -> list[tuple[str, str]]:
    return [(line.item_id, line.amount.text()) for line in allocation.lines]


@pytest.mark.parametrize(
    ("paid", "expected_lines", "credit"),
    [
        ("30.00", [("A-costs", "30.00")], "0.00"),
        ("45.00", [("A-costs", "40.00"), ("A-interest", "5.00")], "0.00"),
        (
            "100.00",  # 40 costs, 5 interest, the rest to the oldest principal (B)
            [("A-costs", "40.00"), ("A-interest", "5.00"), ("B-principal", "55.00")],
            "0.00",
        ),
        (
            "545.00",
            [
                ("A-costs", "40.00"),
                ("A-interest", "5.00"),
                ("B-principal", "300.00"),
                ("A-principal", "200.00"),
            ],
            "0.00",
        ),
        (
            "600.00",  # overpaid: 55.00 stays as credit
            [
                ("A-costs", "40.00"),
                ("A-interest", "5.00"),
                ("B-principal", "300.00"),
                ("A-principal", "200.00"),
            ],
            "55.00",
        ),
        ("0", [], "0"),
    ],
)
def test_payment_goes_to_costs_then_interest_then_oldest_principal(
    paid: str, expected_lines: list[tuple[str, str]], credit: str
) -> None:
    allocation = allocate_payment(eur(paid), ITEMS)
    assert applied(allocation) == expected_lines
    assert allocation.credit == eur(credit)
    assert allocation.applied == eur(paid) - eur(credit)


def test_remaining_per_item_is_reported() -> None:
    allocation = allocate_payment(eur("100.00"), ITEMS)
    assert allocation.lines[-1].item_id == "B-principal"
    assert allocation.lines[-1].remaining == eur("245.00")
    assert allocation.lines[0].remaining == eur("0.00")


def test_within_a_kind_the_oldest_due_date_is_paid_first() -> None:
    items = [
        OpenItem("costs-new", "costs", eur("40"), date(2026, 2, 1)),
        OpenItem("costs-old", "costs", eur("40"), date(2025, 11, 1)),
    ]
    allocation = allocate_payment(eur("50"), items)
    assert applied(allocation) == [("costs-old", "40.00"), ("costs-new", "10.00")]


def test_items_with_nothing_open_are_skipped() -> None:
    items = [
        OpenItem("paid-costs", "costs", eur("0"), date(2025, 1, 1)),
        OpenItem("principal", "principal", eur("10"), date(2025, 1, 1)),
    ]
    assert applied(allocate_payment(eur("10"), items)) == [("principal", "10.00")]


def test_a_different_order_can_be_given() -> None:
    allocation = allocate_payment(eur("100"), ITEMS, order=("principal", "interest", "costs"))
    assert applied(allocation) == [("B-principal", "100.00")]


@pytest.mark.parametrize(
    ("paid", "items", "order", "message"),
    [
        (eur("-1"), ITEMS, ("costs", "interest", "principal"), "negative"),
        (eur("10"), ITEMS, ("costs", "principal"), "item A-interest: kind 'interest'"),
        (eur("10"), ITEMS, ("costs", "costs", "interest", "principal"), "twice"),
        (
            Money(Decimal("10"), "USD"),
            ITEMS,
            ("costs", "interest", "principal"),
            "item A-principal: open amount is in EUR",
        ),
    ],
)
def test_allocation_errors_name_the_item(
    paid: Money, items: list[OpenItem], order: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        allocate_payment(paid, items, order)
