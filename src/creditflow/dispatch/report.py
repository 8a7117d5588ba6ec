"""What one dispatch pass did, counted per outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DispatchReport"]


@dataclass
class DispatchReport:
    """What one dispatch pass did."""

    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed_over: int = 0
    failed: int = 0
    tasks: int = 0
    escalated: int = 0
    review: int = 0
    reconciled: int = 0
    lost: int = 0
    dossiers_delivered: int = 0
    dossiers_pending: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One-line summary for the command line."""
        text = (
            f"claimed {self.claimed}: sent {self.sent}, cancelled {self.cancelled}, "
            f"retry later {self.retried}, failed over {self.failed_over}, failed {self.failed}, "
            f"tasks {self.tasks}, escalated {self.escalated}"
        )
        if self.reconciled or self.review:
            text += (
                f"; after a stopped worker: {self.reconciled} found sent, {self.review} to review"
            )
        if self.dossiers_pending:
            text += f"; {self.dossiers_pending} hand-over dossiers not delivered yet (retried)"
        return text
