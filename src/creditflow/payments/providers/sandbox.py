"""The sandbox provider: a complete payment provider served by creditflow itself.

For the demo and tests only: anyone with a pay link can "pay" on its checkout page,
so it is on only when configured (`[payments] provider = "sandbox"`). Its checkout
page lives at `/sandbox/checkout/{id}`; a button there settles the payment as paid,
failed or canceled (`complete`) and then the same webhook handling the real providers
use runs for it. Like a real provider it keeps its own state, in the `sandbox_payment`
table (so it works with many workers and survives restarts), never in our
`payment_request` rows: those change only when a webhook is recorded.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from creditflow.models import utcnow
from creditflow.money import Money
from creditflow.payments.models import SandboxPayment
from creditflow.payments.providers.base import PaymentOrder, ProviderError, ProviderPayment

__all__ = ["SANDBOX_OUTCOMES", "SandboxProvider", "sandbox_checkout_path"]

SANDBOX_OUTCOMES = ("paid", "failed", "canceled")


def sandbox_checkout_path(provider_id: str) -> str:
    """The path of the sandbox checkout page of one payment."""
    return f"/sandbox/checkout/{provider_id}"


class SandboxProvider:
    """Payments completed by pressing a button on creditflow's own checkout page."""

    name = "sandbox"

    def __init__(self, sessions: sessionmaker[Session], base_url: str) -> None:
        self._sessions = sessions
        self._base = base_url.rstrip("/")

    def create_payment(self, request: PaymentOrder) -> ProviderPayment:
        """A new sandbox payment, stored in the sandbox's own table."""
        provider_id = "sb_" + secrets.token_urlsafe(18)
        checkout = self._base + sandbox_checkout_path(provider_id)
        now = utcnow()
        with self._sessions() as session, session.begin():
            session.add(
                SandboxPayment(
                    provider_id=provider_id,
                    payment_request_id=request.request_id,
                    amount_minor=request.amount.minor,
                    currency=request.amount.currency,
                    status="open",
                    checkout_url=checkout,
                    created_at=now,
                    updated_at=now,
                )
            )
        return ProviderPayment(
            provider_id=provider_id,
            status="open",
            amount=request.amount,
            checkout_url=checkout,
            metadata={"payment_request": request.request_id},
        )

    def fetch_payment(self, provider_id: str) -> ProviderPayment:
        """The sandbox payment as the sandbox knows it."""
        with self._sessions() as session:
            row = session.get(SandboxPayment, provider_id)
            if row is None:
                raise ProviderError(self.name, f"no payment {provider_id!r}", 404)
            return ProviderPayment(
                provider_id=provider_id,
                status=row.status,
                amount=Money.of_minor(row.amount_minor, row.currency),
                checkout_url=row.checkout_url,
                paid_at=row.paid_at,
                method=row.method,
                metadata={"payment_request": row.payment_request_id},
            )

    def status(self, provider_id: str) -> str | None:
        """The sandbox's status of one payment (None when it has no such payment)."""
        with self._sessions() as session:
            return session.scalar(
                select(SandboxPayment.status).where(SandboxPayment.provider_id == provider_id)
            )

    def complete(self, provider_id: str, outcome: str, now: datetime) -> bool:
        """Settle an open sandbox payment as paid, failed or canceled; False if already settled."""
        if outcome not in SANDBOX_OUTCOMES:
            raise ValueError(
                f"outcome must be one of {', '.join(SANDBOX_OUTCOMES)}, not {outcome!r}"
            )
        with self._sessions() as session, session.begin():
            result = session.execute(
                update(SandboxPayment)
                .where(
                    SandboxPayment.provider_id == provider_id,
                    SandboxPayment.status.in_(("open", "pending")),
                )
                .values(
                    status=outcome,
                    paid_at=now if outcome == "paid" else None,
                    method="sandbox" if outcome == "paid" else None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]
