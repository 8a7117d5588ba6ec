"""A synthetic Dutch company's debtors ledger for the demo, tests and benchmarks.

`generate_company` returns customers, invoices and payments as Polars DataFrames
whose columns are exactly the import files of DESIGN 4.3, every value text ready for
CSV (empty = null). The hidden payer type of each customer, which drives both the
payment history and the behaviour model, is kept apart in `SampleLedger.traits`.

Contact data look real but are not: e-mail domains end in the reserved `.example`
TLD (RFC 2606); phone numbers are valid numbers that may belong to someone, so send
only through sandbox channels. Everything is drawn from one seeded generator with
array operations (no loop per invoice): same seed, same ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import polars as pl

from creditflow.simulation.customers import generate_customers
from creditflow.simulation.history import generate_history
from creditflow.simulation.identifiers import eleven_proof_accounts, letters_as_number

__all__ = ["SampleLedger", "generate_company", "history_recorded_at", "organisation"]

CSV_FILES = {"customers": "customers.csv", "invoices": "invoices.csv", "payments": "payments.csv"}
TRAITS_FILE = "traits.csv"


@dataclass(frozen=True)
class SampleLedger:
    """Customers, invoices and payments (import-file columns) plus hidden payer traits."""

    customers: pl.DataFrame
    invoices: pl.DataFrame
    payments: pl.DataFrame
    traits: pl.DataFrame  # customer_id, payer_type: never part of the customers file

    def write_csv(self, folder: Path, *, with_traits: bool = False) -> dict[str, Path]:
        """Write customers.csv, invoices.csv, payments.csv (and traits.csv if asked)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for name, file_name in CSV_FILES.items():
            path = folder / file_name
            getattr(self, name).write_csv(path)
            written[name] = path
        if with_traits:
            written["traits"] = folder / TRAITS_FILE
            self.traits.write_csv(written["traits"])
        return written

    def counts(self) -> dict[str, int]:
        """Number of rows per file."""
        return {name: getattr(self, name).height for name in CSV_FILES}

    def customers_with_traits(self) -> pl.DataFrame:
        """Customers joined with their hidden payer type, as the behaviour model needs."""
        return self.customers.join(self.traits, on="customer_id", how="left")


def generate_company(
    n_customers: int,
    *,
    invoices_per_customer: float = 5,
    as_of: date,
    seed: int = 7,
) -> SampleLedger:
    """A Dutch company's debtors ledger with ~120 days of invoices before `as_of`."""
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")
    if invoices_per_customer < 0:
        raise ValueError(f"invoices_per_customer must be >= 0, got {invoices_per_customer}")
    rng = np.random.default_rng(seed)
    customers, traits = generate_customers(rng, n_customers)
    history = generate_history(
        rng,
        customers,
        traits["payer_type"],
        invoices_per_customer=invoices_per_customer,
        as_of=as_of,
    )
    return SampleLedger(
        customers=customers, invoices=history.invoices, payments=history.payments, traits=traits
    )


def history_recorded_at(start: date) -> datetime:
    """When a sample company's history is imported: midnight (UTC) of the first simulated day.

    Recorded at the wall clock instead, months after simulated days in the past, the old
    payments would look received after every simulated hand-over and be noted on it.
    """
    return datetime.combine(start, time(0), tzinfo=UTC)


def _nl_iban(bank: str, account: int) -> str:
    """A Dutch IBAN for a bank code and ten-digit account number."""
    bban_mod97 = (letters_as_number(bank) * 10**10 + account) % 97
    check = 98 - (bban_mod97 * 10**6 + letters_as_number("NL00")) % 97
    return f"NL{check:02d}{bank}{account:010d}"


def organisation() -> dict[str, object]:
    """The sample creditor: a solar-panel service company in Utrecht."""
    account = int(eleven_proof_accounts(np.random.default_rng(2026), 1)[0])
    return {
        "name": "Zonnepaneel Service Nederland B.V.",
        "iban": _nl_iban("RABO", account),
        "bic": "RABONL2U",
        "address": {
            "address_line1": "Energieweg 21",
            "postal_code": "3542 DZ",
            "city": "Utrecht",
            "country": "NL",
        },
        "email": "debiteuren@zonnepaneelservice.example",
        "phone": "+31302070450",
        "website": "https://www.zonnepaneelservice.example",
        "kvk": "90412365",
        "vat_number": "NL865412303B01",
        "country": "NL",
        "language": "nl",
        "currency": "EUR",
        "timezone": "Europe/Amsterdam",
    }
