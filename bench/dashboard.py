"""Benchmark: the workbench dashboard (report at 13 dates, charts as SVG), the drill-down
and the monthly PDF, over a ledger built by bench/analytics.py.

    .venv/bin/python bench/dashboard.py --invoices 100000

Prints one JSON line: cold (nothing cached: 13 reports + collected per month + the
forecast made 8 weeks back), warm (within `CACHE_SECONDS`, everything from memory),
drill-down (cold: one history load), and the PDF (warm).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analytics import _peak_rss_mb, build_ledger  # noqa: E402

from creditflow.analytics import dashboard  # noqa: E402
from creditflow.analytics.dashboard_charts import dashboard_parts  # noqa: E402
from creditflow.analytics.pdf import build_pdf  # noqa: E402
from creditflow.charts import svg  # noqa: E402
from creditflow.db import make_engine, upgrade  # noqa: E402


def _page(engine, day: date, parts_s: dict[str, float] | None = None) -> int:
    """Everything the dashboard page computes; returns the SVG characters drawn."""
    timed: dict[str, float] = {}

    def step(name, work):
        t0 = time.perf_counter()
        value = work()
        timed[name] = round(time.perf_counter() - t0, 2)
        return value

    report = step("report_s", lambda: dashboard.report_at(engine, day))
    points = step("trend_s", lambda: dashboard.trend(engine, day))
    collected = step("collected_s", lambda: dashboard.collected_per_month(engine, day))
    past = step("forecast_s", lambda: dashboard.forecast_vs_realised(engine, day))
    parts = step("charts_s", lambda: dashboard_parts(report, points, collected, past, str))
    drawn = step("svg_s", lambda: sum(len(svg(c.drawing, c.title)) for p in parts
                                      for c in p.charts))  # fmt: skip
    if parts_s is not None:
        parts_s.update(timed)
    return drawn  # type: ignore[no-any-return]


def main() -> None:
    """Build the ledger, then time the dashboard cold and warm, a drill-down and the PDF."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--as-of", default="2026-03-10")
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    day = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        counts = build_ledger(engine, args.invoices, day)
        built = time.perf_counter() - started
        import creditflow.analytics.engagement_load  # noqa: F401 (imports out of the timing)
        import creditflow.analytics.experiment_load  # noqa: F401

        dashboard.clear_cache()
        cold_parts: dict[str, float] = {}
        t0 = time.perf_counter()
        drawn = _page(engine, day, cold_parts)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        _page(engine, day)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        customers = len(dashboard.customers_in(engine, day, "EUR", "31-60"))
        drill = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf = build_pdf(engine, day)
        pdf_s = time.perf_counter() - t0
        print(json.dumps({
            **counts, "build_s": round(built, 2), "dashboard_cold_s": round(cold, 2),
            "dashboard_warm_s": round(warm, 3),
            "cold_parts": cold_parts, "drill_down_cold_s": round(drill, 2),
            "drill_down_customers": customers, "pdf_warm_s": round(pdf_s, 2),
            "pdf_bytes": len(pdf), "svg_chars": drawn, "peak_rss_mb": _peak_rss_mb(),
            "database": engine.dialect.name,
        }))  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
