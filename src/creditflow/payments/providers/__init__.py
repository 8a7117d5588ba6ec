"""Payment provider adapters (Mollie, Tikkie, sandbox) behind one small interface."""

from creditflow.payments.providers.base import (
    PAYMENT_STATUSES,
    PaymentOrder,
    PaymentProvider,
    ProviderError,
    ProviderPayment,
)
from creditflow.payments.providers.registry import (
    build_providers,
    sandbox_enabled,
)

__all__ = [
    "PAYMENT_STATUSES",
    "PaymentOrder",
    "PaymentProvider",
    "ProviderError",
    "ProviderPayment",
    "build_providers",
    "sandbox_enabled",
]
