"""Benchmark: import N UBL e-invoices (NLCIUS shape) for N/5 buyers, plus N/10 credit notes.

Run: .venv/bin/python bench/ubl_import.py [--invoices N] [--db URL]
Prints one JSON line: documents, first import (new customers, invoices, credit notes)
and second import (all unchanged) in seconds, documents per second, peak_rss_mb.
Generating the documents is not timed; parsing them is.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from creditflow.config import load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.ubl_import import import_ubl_documents

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the document builder lives in tests/support

from tests.support.ubl import billing_reference, ubl_invoice  # noqa: E402


def _documents(n_invoices: int) -> list[tuple[str, bytes]]:
    """Invoices spread over n/5 buyers (each known by its KvK number) and n/10 credit notes."""
    docs: list[tuple[str, bytes]] = []
    for i in range(n_invoices):
        kvk = f"{10_000_000 + i % max(n_invoices // 5, 1)}"
        vat = f"NL{kvk}B01"
        amount = f"{100 + (i * 37) % 5000}.{i % 100:02d}"
        invoice = (
            ubl_invoice(f"F-{i:07d}", payable=f"<cbc:PayableAmount>{amount}</cbc:PayableAmount>")
            .replace(b"12345678", kvk.encode())
            .replace(b"NL001234567B01", vat.encode())
        )
        docs.append((f"F-{i:07d}.xml", invoice))
        if i % 10 == 0:
            credit = (
                ubl_invoice(
                    f"C-{i:07d}",
                    credit_note=True,
                    due=None,
                    billing_reference=billing_reference(f"F-{i:07d}"),
                    payable="<cbc:PayableAmount>50.00</cbc:PayableAmount>",
                )
                .replace(b"12345678", kvk.encode())
                .replace(b"NL001234567B01", vat.encode())
            )
            docs.append((f"C-{i:07d}.xml", credit))
    return docs


def main() -> None:
    """Generate, import twice, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        settings = replace(load_settings({}), database_url=url)
        docs = _documents(args.invoices)
        start = time.perf_counter()
        first = import_ubl_documents(engine, docs, settings)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = import_ubl_documents(engine, docs, settings)
        second_s = time.perf_counter() - start
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "documents": len(docs),
                "first": first.summary.line(),
                "first_s": round(first_s, 2),
                "documents_per_s": round(len(docs) / first_s),
                "second": second.summary.line(),
                "second_s": round(second_s, 2),
                "peak_rss_mb": round(peak, 1),
                "database": url.split(":", 1)[0].split("+", 1)[0],
            }
        )
    )


if __name__ == "__main__":
    main()
