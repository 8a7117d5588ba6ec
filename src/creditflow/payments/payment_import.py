"""The payments file import (`creditflow import payments`) as the payments area runs it.

The ledger validates, records and allocates the file (`ledger.payments.import_payments`);
in the same transaction the payments are noted on open hand-overs, so the agency is
told what arrived on the invoices it collects (`compliance.handover`). The ledger's
write path itself knows nothing of hand-overs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.config import Settings
from creditflow.ledger.formats import FileFormat
from creditflow.ledger.imports import ImportSummary
from creditflow.ledger.payments import import_payments

__all__ = ["import_payment_file"]


def import_payment_file(
    engine: Engine,
    path: Path,
    settings: Settings,
    file_format: FileFormat | None = None,
    *,
    recorded_at: datetime | None = None,
) -> ImportSummary:
    """Import a payments file and note its payments on open hand-overs (one transaction)."""
    return import_payments(
        engine, path, settings, file_format,
        on_recorded=note_payments_on_handovers, recorded_at=recorded_at,
    )  # fmt: skip
