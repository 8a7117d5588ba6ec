"""Allocating a payment to open items: costs, then interest, then principal (art. 6:44 BW)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from creditflow.money import Money

__all__ = ["LEGAL_ORDER", "Allocation", "AllocationLine", "OpenItem", "allocate_payment"]

LEGAL_ORDER: tuple[str, ...] = ("costs", "interest", "principal")


@dataclass(frozen=True, slots=True)
class OpenItem:
    """Something the debtor still owes: costs, interest or principal of one claim."""

    item_id: str
    kind: str
    open: Money
    due_date: date


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """The part of the payment applied to one open item."""

    item_id: str
    kind: str
    amount: Money
    remaining: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    """How a payment was applied, and what is left over as credit for the debtor."""

    paid: Money
    lines: list[AllocationLine]
    credit: Money

    @property
    def applied(self) -> Money:
        """The part of the payment applied to open items."""
        return self.paid - self.credit


def allocate_payment(
    amount: Money,
    items: Sequence[OpenItem],
    order: Sequence[str] = LEGAL_ORDER,
) -> Allocation:
    """Apply a payment to open items by kind in `order`, oldest due date first per kind.

    The default order is the legal one of art. 6:44 BW. Items of equal kind and due date
    keep their given order. Items with nothing open are skipped. What is left after all
    items are paid stays as credit. Every item's currency must be the payment's.
    """
    if amount.amount < 0:
        raise ValueError(f"amount: a payment must not be negative, got {amount}")
    if len(set(order)) != len(order):
        raise ValueError(f"order: a kind appears twice in {list(order)}")
    rank = {kind: position for position, kind in enumerate(order)}
    for item in items:
        if item.kind not in rank:
            raise ValueError(
                f"item {item.item_id}: kind {item.kind!r} is not in the order {list(order)}"
            )
        if item.open.currency != amount.currency:
            raise ValueError(
                f"item {item.item_id}: open amount is in {item.open.currency}, "
                f"the payment in {amount.currency}"
            )

    ordered = sorted(items, key=lambda item: (rank[item.kind], item.due_date))
    left = amount
    lines: list[AllocationLine] = []
    for item in ordered:
        if left.amount <= 0:
            break
        if item.open.amount <= 0:
            continue
        applied = min(left, item.open)
        left = left - applied
        lines.append(AllocationLine(item.item_id, item.kind, applied, item.open - applied))
    return Allocation(paid=amount, lines=lines, credit=left)
