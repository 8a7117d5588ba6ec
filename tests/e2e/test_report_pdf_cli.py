"""`creditflow report --pdf FILE --as-of D`: the monthly PDF a manager forwards, read back."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from tests.e2e.test_analytics_report import cli, hand_ledger  # noqa: F401 (fixtures)


def test_the_monthly_pdf_report_has_the_headline_figures_charts_and_tables(
    hand_ledger,  # noqa: F811
    tmp_path: Path,
):
    done = hand_ledger("report", "--pdf", "march.pdf", "--as-of", "2026-03-10")
    assert done.returncode == 0, done.stderr
    assert "wrote march.pdf" in done.stderr
    reader = PdfReader(tmp_path / "march.pdf")
    assert len(reader.pages) > 0
    text = " ".join(page.extract_text() for page in reader.pages)
    for seen in (
        "Receivables report March 2026", "Period: 2026-03-01 to 2026-03-10",
        "EUR 2080.00", "EUR 1280.00", "76.4", "29.4", "36.9 %", "64.5",  # worked example
        "Aging (EUR)", "DSO over time (EUR)", "Collected per month (EUR)",
        "Cash forecast from 2026-03-10 (EUR)", "1280.00", "600.00",  # week 1, week 3
        "USD 300.00", "Opt-outs",
    ):  # fmt: skip
        assert seen in text, seen
    bad = hand_ledger("report", "--pdf", "x.pdf", "--as-of", "2026-13-01")
    assert bad.returncode == 2 and not (tmp_path / "x.pdf").exists()
