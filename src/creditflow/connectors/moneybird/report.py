"""What one Moneybird sync did: counts per kind, rejects by Moneybird id, payments pushed."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Counts", "SyncReport"]


@dataclass
class Counts:
    """What one kind of record did in a sync."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def text(self) -> str:
        """ "imported 1, updated 0, unchanged 0, rejected 0"."""
        return (
            f"imported {self.imported}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )


@dataclass
class SyncReport:
    """The outcome of one sync: counts, rejects by Moneybird id, payments pushed."""

    contacts: Counts = field(default_factory=Counts)
    invoices: Counts = field(default_factory=Counts)
    drafts: int = 0
    payments_pushed: int = 0
    payments_found: int = 0
    rejects: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    waited_seconds: float = 0.0

    def lines(self) -> list[str]:
        """The summary printed by `creditflow sync moneybird`."""
        return [
            f"contacts: {self.contacts.text()}",
            f"sales invoices: {self.invoices.text()}, drafts skipped {self.drafts}",
            f"payments pushed: {self.payments_pushed}"
            + (
                f" (found already registered: {self.payments_found})" if self.payments_found else ""
            ),
            f"requests: {self.requests}, waited for the rate limit: {self.waited_seconds:g} s",
            *(f"rejected {r}" for r in self.rejects),
            *(f"warning: {w}" for w in self.warnings),
        ]
