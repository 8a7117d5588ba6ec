"""Dutch extrajudicial collection costs (WIK).

Sources: Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141),
art. 2 (the scale, minimum EUR 40, maximum EUR 6,775; VAT in lid 3); art. 6:96 lid 4
BW (B2B: at least EUR 40 per invoice). The principal is the base; interest is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from creditflow.money import Money

__all__ = [
    "BUSINESS_MINIMUM_PER_INVOICE",
    "COSTS_MAXIMUM",
    "COSTS_MINIMUM",
    "SCALE",
    "StackedClaimsCap",
    "business_compensation",
    "collection_costs",
    "stacked_collection_costs",
]

WIK_CURRENCY = "EUR"

# (upper bound of the band, rate over the part of the principal inside the band)
SCALE: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("5000"), Decimal("0.10")),
    (Decimal("10000"), Decimal("0.05")),
    (Decimal("200000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
COSTS_MINIMUM = Decimal("40")
COSTS_MAXIMUM = Decimal("6775")
BUSINESS_MINIMUM_PER_INVOICE = Decimal("40")


def _check_eur(amount: Money, field: str) -> None:
    if amount.currency != WIK_CURRENCY:
        raise ValueError(
            f"{field}: the WIK scale is defined in EUR, got {amount.currency} "
            "(convert the claim to EUR first)"
        )


def _scale_amount(principal: Decimal) -> Decimal:
    """The unrounded scale amount, before minimum and maximum."""
    total = Decimal(0)
    lower = Decimal(0)
    for upper, rate in SCALE:
        if principal <= lower:
            break
        band_top = principal if upper is None else min(principal, upper)
        total += (band_top - lower) * rate
        if upper is None:
            break
        lower = upper
    return total


def _with_vat(costs: Money, add_vat: bool, vat_rate: Decimal) -> Money:
    if not add_vat:
        return costs
    if vat_rate < 0:
        raise ValueError(f"vat_rate: must not be negative, got {vat_rate}")
    return (costs + costs * vat_rate).rounded()


def collection_costs(
    principal: Money, *, add_vat: bool = False, vat_rate: Decimal = Decimal("0.21")
) -> Money:
    """The WIK collection costs for one principal: the scale, min 40, max 6,775, half-up.

    VAT is added only when asked (art. 2 lid 3): a creditor that cannot deduct VAT may
    add it and must say so. VAT is computed on the rounded costs and rounded again.
    """
    _check_eur(principal, "principal")
    if principal.amount <= 0:
        raise ValueError(f"principal: must be positive to charge costs, got {principal}")
    raw = _scale_amount(principal.amount)
    bounded = min(max(raw, COSTS_MINIMUM), COSTS_MAXIMUM)
    costs = Money(bounded, principal.currency).rounded()
    return _with_vat(costs, add_vat, vat_rate)


def business_compensation(
    invoice_principals: Sequence[Money],
    mode: str = "fixed",
    contractual: Money | None = None,
) -> Money:
    """The B2B compensation for late payment of one or more invoices.

    Modes: "fixed" is EUR 40 per invoice (art. 6:96 lid 4 BW, no reminder needed);
    "scale" is the WIK scale over the total principal; "contractual" is the amount
    agreed in the contract, but never less than the statutory EUR 40 per invoice,
    since the law grants "ten minste 40 euro".
    """
    if not invoice_principals:
        raise ValueError("invoice_principals: at least one invoice is needed")
    for index, principal in enumerate(invoice_principals):
        _check_eur(principal, f"invoice_principals[{index}]")
        if principal.amount <= 0:
            raise ValueError(f"invoice_principals[{index}]: must be positive, got {principal}")
    minimum = Money(BUSINESS_MINIMUM_PER_INVOICE * len(invoice_principals), WIK_CURRENCY)
    if mode == "fixed":
        return minimum.rounded()
    if mode == "scale":
        total = invoice_principals[0]
        for principal in invoice_principals[1:]:
            total = total + principal
        return collection_costs(total)
    if mode == "contractual":
        if contractual is None:
            raise ValueError("contractual: mode 'contractual' needs the agreed amount")
        _check_eur(contractual, "contractual")
        if contractual.amount < 0:
            raise ValueError(f"contractual: must not be negative, got {contractual}")
        return max(contractual, minimum).rounded()
    raise ValueError(f"mode: expected 'fixed', 'scale' or 'contractual', got {mode!r}")


@dataclass(frozen=True, slots=True)
class StackedClaimsCap:
    """The cap on costs for stacked small claims since 1-10-2024 (*conditions unverified*).

    As recorded in DOMAIN.md: for claims below `threshold` (EUR 266.67) the costs of
    stacked recurring claims are capped at `total_cap` (EUR 140) in total. Which claims
    count as "stacked" (same creditor, same contract, the period) is not verified, so the
    caller decides which claims to pass together and can switch the cap off or change it.
    """

    enabled: bool = True
    threshold: Decimal = Decimal("266.67")
    total_cap: Decimal = Decimal("140")


def stacked_collection_costs(
    principals: Sequence[Money],
    *,
    cap: StackedClaimsCap | None = None,
    add_vat: bool = False,
    vat_rate: Decimal = Decimal("0.21"),
) -> Money:
    """Total costs for several claims each charged on its own, with the small-claims cap.

    Each claim gets its own WIK costs; the costs of the claims whose principal is below
    the cap's threshold are capped together at the cap's total. Claims at or above the
    threshold are not capped. VAT, when asked, is added on the capped total.
    """
    if not principals:
        raise ValueError("principals: at least one claim is needed")
    rule = cap if cap is not None else StackedClaimsCap()
    small = Money.zero(WIK_CURRENCY)
    other = Money.zero(WIK_CURRENCY)
    for index, principal in enumerate(principals):
        _check_eur(principal, f"principals[{index}]")
        costs = collection_costs(principal)
        if rule.enabled and principal.amount < rule.threshold:
            small = small + costs
        else:
            other = other + costs
    if rule.enabled:
        small = min(small, Money(rule.total_cap, WIK_CURRENCY))
    return _with_vat((small + other).rounded(), add_vat, vat_rate)
