"""What a statement import did: counts per outcome, amounts per currency, and its report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from creditflow.money import from_minor
from creditflow.payments.matching import RULES

__all__ = ["StatementImportSummary", "print_summary"]

_RULE_LABELS = {
    "reference": "matched by payment reference",
    "invoice_number": "matched by invoice number",
    "iban_amount": "matched by IBAN and exact amount",
    "iban_subset": "matched by IBAN and sum of invoices",
}


@dataclass
class StatementImportSummary:
    """What one import did: entries per outcome and amounts per currency (minor units)."""

    source: str
    statements: list[str] = field(default_factory=list)
    entries: int = 0
    already_imported: int = 0
    matched: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    reversed: int = 0
    ignored: int = 0
    pending: int = 0
    unmatched: int = 0
    unmatched_by_reason: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, dict[str, int]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)  # "line N: reason", not imported

    @property
    def exit_code(self) -> int:
        """0: the statement was read (unmatched entries are a normal outcome, queued);
        1: some entries were rejected (an amount beyond the limit) and not stored."""
        return 1 if self.rejected else 0

    def count(self, status: str, currency: str, minor: int, outcome: dict[str, Any]) -> None:
        """Count one stored entry under its status (and rule or reason) and its amount."""
        if status == "matched":
            self.matched[outcome["rule"]] += 1
        elif status == "reversed":
            self.reversed += 1
        elif status == "ignored":
            self.ignored += 1
        elif status == "unmatched":
            self.unmatched += 1
            reason = outcome["reason"]
            self.unmatched_by_reason[reason] = self.unmatched_by_reason.get(reason, 0) + 1
        if status != "ignored":
            self.add(currency, status, minor)

    def add(self, currency: str, outcome: str, minor: int) -> None:
        """Add an amount to a currency's total for one outcome (in, out, matched, ...)."""
        totals = self.amounts.setdefault(
            currency, dict.fromkeys(("in", "out", "matched", "reversed", "unmatched"), 0)
        )
        totals[outcome] = totals.get(outcome, 0) + minor

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (for the audit log); amounts as decimal text."""
        return {
            "source": self.source,
            "statements": self.statements,
            "entries": self.entries,
            "already_imported": self.already_imported,
            "matched": self.matched,
            "reversed": self.reversed,
            "ignored": self.ignored,
            "pending": self.pending,
            "unmatched": self.unmatched,
            "unmatched_by_reason": self.unmatched_by_reason,
            "rejected": self.rejected,
            "amounts": {
                currency: {k: str(from_minor(v, currency)) for k, v in totals.items()}
                for currency, totals in self.amounts.items()
            },
        }


def print_summary(summary: StatementImportSummary, out: Console) -> None:
    """The import's summary as Rich tables: outcomes, then amounts per currency."""
    table = Table(title=f"statement {summary.source}", show_header=False)
    table.add_column("outcome")
    table.add_column("entries", justify="right")
    lines = [("entries in the file", summary.entries)]
    lines += [("already imported", summary.already_imported)]
    lines += [(_RULE_LABELS[rule], summary.matched[rule]) for rule in RULES]
    lines += [("reversed (payment undone)", summary.reversed), ("ignored", summary.ignored)]
    lines += [("pending (not booked, skipped)", summary.pending)]
    lines += [("unmatched (queued)", summary.unmatched)]
    lines += [(f"  {reason}", n) for reason, n in sorted(summary.unmatched_by_reason.items())]
    lines += [("rejected (not imported)", len(summary.rejected))]
    for label, count in lines:
        table.add_row(label, str(count))
    out.print(table)
    money = Table(title="amounts per currency")
    outcomes = ("in", "out", "matched", "reversed", "unmatched")
    for heading in ("currency", *outcomes):
        money.add_column(heading, justify="left" if heading == "currency" else "right")
    for currency, totals in sorted(summary.amounts.items()):
        money.add_row(currency, *(str(from_minor(totals[o], currency)) for o in outcomes))
    out.print(money)
    new = summary.entries - summary.already_imported
    if summary.entries and new == 0:
        out.print(f"all {summary.entries} entries were imported before: nothing changed")
    for reason in summary.rejected:
        out.print(f"rejected: {reason}", markup=False, soft_wrap=True)
    if summary.unmatched:
        out.print(
            f"{summary.unmatched} unmatched, see `creditflow payments unmatched`",
            markup=False,
            soft_wrap=True,
        )
