"""Benchmark: the workbench dashboard (report at 13 dates, charts as SVG), the drill-down
and the monthly PDF, over a ledger built by bench/analytics.py.

    .venv/bin/python bench/dashboard.py --invoices 100000 [--stored]

Prints one JSON line: cold (nothing cached or stored: the report + the 12 month-ends
and the forecast made 8 weeks back from one wide load + collected per month), warm
(within `CACHE_SECONDS`, everything from memory), drill-down (cold: one history load),
the drill-down from the previous month's collected bar (one query) and from the channel
bars (cold: one history load), and the PDF (warm). With `--stored`: the time to fill the store (`store_figures` on the
date 8 weeks back and on the date), to check it again (nothing changed), and the first
view again with the month-ends and the forecast read from the store.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analytics import _peak_rss_mb, build_ledger  # noqa: E402

from creditflow.analytics import dashboard  # noqa: E402
from creditflow.analytics.dashboard_charts import dashboard_parts  # noqa: E402
from creditflow.analytics.pdf import build_pdf  # noqa: E402
from creditflow.analytics.stored import store_figures  # noqa: E402
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
    points = step("trend_s", lambda: dashboard.trend(engine, day, report))
    collected = step("collected_s", lambda: dashboard.collected_per_month(engine, day))
    past = step("forecast_s", lambda: dashboard.forecast_vs_realised(engine, day, report))
    parts = step("charts_s", lambda: dashboard_parts(report, points, collected, past, str))
    drawn = step("svg_s", lambda: sum(len(svg(c.drawing, c.title)) for p in parts
                                      for c in p.charts))  # fmt: skip
    if parts_s is not None:
        parts_s.update(timed)
    return drawn  # type: ignore[no-any-return]


def _stored(engine, day: date) -> dict[str, object]:
    """Fill the store (the forecast 8 weeks back, then the date: first fill), fill it again
    (nothing changed: fingerprints only), then time the first view with what is stored."""
    made = day - timedelta(days=7 * dashboard.FORECAST_WEEKS)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    first = [store_figures(engine, made, now=now), store_figures(engine, day, now=now)]
    fill = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = store_figures(engine, day, now=now)
    check = time.perf_counter() - t0
    dashboard.clear_cache()
    parts: dict[str, float] = {}
    t0 = time.perf_counter()
    _page(engine, day, parts)
    cold = time.perf_counter() - t0
    return {
        "store_fill_s": round(fill, 2), "store_fill": [s.line() for s in first],
        "store_check_s": round(check, 2), "store_check": again.line(),
        "dashboard_cold_stored_s": round(cold, 2), "cold_stored_parts": parts,
    }  # fmt: skip


def _verify(engine, day: date) -> str:
    """Whether the stored figures equal `build_report` at each of the 13 dates."""
    from creditflow.analytics.service import build_report
    from creditflow.analytics.stored import month_ends, read_days

    days = month_ends(day)
    with engine.connect() as conn:
        found = read_days(conn, days)
    same = 0
    for d in days:
        report = build_report(engine, d)
        if {f.currency: f for f in report.currencies} == found[d].figures and (
            report.countback == found[d].countback
        ):
            same += 1
    return f"{same} of {len(days)} dates"


def main() -> None:
    """Build the ledger, then time the dashboard cold and warm, a drill-down and the PDF."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--as-of", default="2026-03-10")
    parser.add_argument("--db", default=None)
    parser.add_argument(
        "--stored",
        action="store_true",
        help="also fill the store (as the worker's figures job does on the date and 8 weeks "
        "before it), then time the first view again with the month-ends and forecast stored",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="with --stored: compare the stored figures with build_report at each date",
    )
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
        month = (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        t0 = time.perf_counter()
        paid = len(dashboard.customers_paid_in(engine, day, "EUR", month))
        paid_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        behind = dashboard.channel_customers(engine, day)  # cold: one history load
        not_contacted = len(dashboard.customers_contacted(engine, day, "EUR", "not contacted"))
        contacted_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf = build_pdf(engine, day)
        pdf_s = time.perf_counter() - t0
        stored_figures = _stored(engine, day) if args.stored else {}
        if args.stored and args.verify:
            stored_figures["stored_equal_report"] = _verify(engine, day)
        print(json.dumps({
            **counts, "build_s": round(built, 2), "dashboard_cold_s": round(cold, 2),
            "dashboard_warm_s": round(warm, 3),
            "cold_parts": cold_parts, "drill_down_cold_s": round(drill, 2),
            "drill_down_customers": customers, "drill_down_paid_s": round(paid_s, 2),
            "drill_down_paid_customers": paid, "drill_down_channels_cold_s": round(contacted_s, 2),
            "drill_down_not_contacted_customers": not_contacted,
            "drill_down_channel_rows": behind.height, "pdf_warm_s": round(pdf_s, 2),
            "pdf_bytes": len(pdf), "svg_chars": drawn, "peak_rss_mb": _peak_rss_mb(),
            "database": engine.dialect.name, **stored_figures,
            "load_average": [round(x, 1) for x in os.getloadavg()],
        }))  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
