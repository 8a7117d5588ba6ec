"""The one small interface every payment provider (PSP) adapter implements.

creditflow asks a provider to start a payment (`create_payment`) and, when a webhook
says something changed, asks it what the payment's state is now (`fetch_payment`).
Webhooks carry no trusted data: only the provider's answer to `fetch_payment` is
believed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from creditflow.money import Money

__all__ = [
    "PAYMENT_STATUSES",
    "STATUS_RANK",
    "TERMINAL_FAILURES",
    "PaymentOrder",
    "PaymentProvider",
    "ProviderError",
    "ProviderPayment",
    "is_progress",
]

PAYMENT_STATUSES = ("open", "pending", "paid", "failed", "expired", "canceled")
TERMINAL_FAILURES = ("failed", "expired", "canceled")
# A payment only moves forward: a late answer saying "open" never undoes "failed" or "paid".
STATUS_RANK = {"open": 0, "pending": 1, "failed": 2, "expired": 2, "canceled": 2, "paid": 3}


def is_progress(current: str, new: str) -> bool:
    """True when moving from `current` to `new` is a step forward (never away from paid)."""
    return STATUS_RANK[new] > STATUS_RANK[current]


class ProviderError(RuntimeError):
    """A provider refused a request or could not be reached; names the provider and call."""

    def __init__(self, provider: str, message: str, status_code: int | None = None) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status_code = status_code


@dataclass(frozen=True)
class PaymentOrder:
    """What to collect: creditflow's payment request, as handed to a provider."""

    request_id: int
    amount: Money
    description: str
    customer_id: str
    country: str
    language: str
    redirect_url: str
    webhook_url: str
    reference: str
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.amount.amount <= 0:
            raise ValueError(f"payment request {self.request_id}: amount must be positive")


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider reports it."""

    provider_id: str
    status: str
    amount: Money | None = None
    checkout_url: str | None = None
    paid_at: datetime | None = None
    method: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in PAYMENT_STATUSES:
            raise ValueError(
                f"payment {self.provider_id}: status {self.status!r} is not one of "
                f"{', '.join(PAYMENT_STATUSES)}"
            )


class PaymentProvider(Protocol):
    """A payment provider adapter (Mollie, Tikkie, sandbox)."""

    name: str

    def create_payment(self, request: PaymentOrder) -> ProviderPayment:
        """Start a payment; the result has the provider id and the checkout URL."""
        ...

    def fetch_payment(self, provider_id: str) -> ProviderPayment:
        """The payment's current state, straight from the provider."""
        ...
