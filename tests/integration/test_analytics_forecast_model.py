"""`creditflow report --json`: the cash forecast uses the risk model once one is trained."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from creditflow.analytics import dashboard
from creditflow.analytics.service import build_report
from creditflow.cli import app
from creditflow.intelligence.service import latest_model, score_open_invoices, train_model
from creditflow.ledger.imports import import_customers, import_invoices
from tests.integration.test_intelligence_risk import _ledger

DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CONTRACT = ["as_of", "currency", "open", "overdue", "aging", "dso_days",
            "best_possible_dso_days", "add_days", "cei_percent"]  # fmt: skip


def _report(settings, day: date = DAY) -> dict:
    result = CliRunner().invoke(
        app, ["report", "--as-of", day.isoformat(), "--json", "--db", settings.database_url]
    )
    assert result.exit_code == 0, result.output
    [eur] = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert list(eur)[: len(CONTRACT)] == CONTRACT  # the contract's keys first, as they were
    return eur


def _weeks(found: dict) -> dict[str, str]:
    return {w["week_from"]: w["expected"] for w in found["weeks"] if w["expected"] != "0.00"}


def test_report_json_forecast_uses_the_trained_model(engine, settings, tmp_path: Path):
    customers, invoices = _ledger(tmp_path)  # LATE pays 20 days late, SOON 5 days early
    assert import_customers(engine, customers, settings).rejected == 0
    assert import_invoices(engine, invoices, settings).rejected == 0
    # No model: due date + own days late. Both open invoices (250.00) are due 03-05:
    # SOON's on 02-28 (passed: week 1), LATE's on 03-25 (week 4, from 03-24).
    before = _report(settings)["cash_forecast"]
    assert before["method"] == "own days late"
    assert _weeks(before) == {"2026-03-03": "250.00", "2026-03-24": "250.00"}
    assert before["later"] == "0.00" and len(before["weeks"]) == 8

    train_model(engine, DAY, now=NOW)
    after = _report(settings)["cash_forecast"]
    assert after["method"] == "risk model version 1"
    # Each invoice: 1 - p_late on due - 5 days (SOON's habit; LATE has none on time, so
    # the ledger's: -5) = 02-28, week 1; p_late on due + 20 (LATE's; the ledger's for
    # SOON) = 03-25, week 4. The p_late are the stored model's.
    with engine.connect() as conn:
        model, _ = latest_model(conn)
        scored = score_open_invoices(conn, DAY, model)
    p = dict(scored.select("invoice_number", "p_late").iter_rows())
    late_minor = round(25_000 * p["LATE-OPEN"] + 25_000 * p["SOON-OPEN"])
    week_4 = f"{late_minor // 100}.{late_minor % 100:02d}"
    week_1 = f"{(50_000 - late_minor) // 100}.{(50_000 - late_minor) % 100:02d}"
    assert _weeks(after) == {"2026-03-03": week_1, "2026-03-24": week_4}
    assert p["LATE-OPEN"] > 0.8 and p["SOON-OPEN"] < 0.2  # the model learnt who pays late

    # A model trained on 03-02 is not used for a date before it.
    earlier = _report(settings, date(2026, 3, 1))["cash_forecast"]
    assert earlier["method"] == "own days late"
    report = build_report(engine, DAY)
    assert report.forecast_model == 1 and report.forecast_method == "risk model version 1"
    # A stored model that does not match its checksum is not used (the report goes on).
    with engine.begin() as conn:
        conn.execute(text("UPDATE risk_model SET checksum = 'tampered'"))
    assert _report(settings)["cash_forecast"] == before


def test_the_dashboard_forecast_of_8_weeks_ago_uses_the_model_known_then(engine, settings,
                                                                          tmp_path: Path):  # fmt: skip
    customers, invoices = _ledger(tmp_path)
    assert import_customers(engine, customers, settings).rejected == 0
    assert import_invoices(engine, invoices, settings).rejected == 0
    dashboard.clear_cache()
    train_model(engine, date(2026, 1, 1), now=NOW)
    found = dashboard.history(engine, date(2026, 4, 26))
    assert found.forecast_made == date(2026, 3, 1)  # 8 weeks back
    assert found.forecast_method == "risk model version 1"
    assert found.forecast.equals(build_report(engine, found.forecast_made).forecast)
    dashboard.clear_cache()
    then = dashboard.history(engine, date(2026, 2, 20))  # made 2025-12-26: the model came later
    assert then.forecast_made == date(2025, 12, 26)
    assert then.forecast_method == "own days late"
    dashboard.clear_cache()


def test_the_dashboard_and_the_pdf_say_how_the_forecast_was_made(engine, settings,
                                                                  tmp_path: Path):  # fmt: skip
    import io

    from pypdf import PdfReader

    from creditflow.analytics.pdf import build_pdf
    from tests.support.staff import add_staff, sign_in, staff_client

    customers, invoices = _ledger(tmp_path)
    assert import_customers(engine, customers, settings).rejected == 0
    assert import_invoices(engine, invoices, settings).rejected == 0
    add_staff(engine, "mira@example.nl", "manager")
    client = staff_client(settings)
    client.headers["accept-language"] = "en"
    sign_in(client, "mira@example.nl")
    own = "Expected on the due date plus each customer's own days late."
    model = "Spread over the weeks by the risk model (version 1)"
    dashboard.clear_cache()
    page = client.get("/workbench/dashboard", params={"as_of": DAY.isoformat()})
    assert page.status_code == 200 and own in unescape(page.text) and model not in page.text
    train_model(engine, DAY, now=NOW)
    dashboard.clear_cache()
    page = client.get("/workbench/dashboard", params={"as_of": DAY.isoformat()})
    assert model in page.text and own not in unescape(page.text)
    dutch = client.get("/workbench/dashboard", params={"as_of": DAY.isoformat()},
                       headers={"accept-language": "nl"})  # fmt: skip
    assert "verdeeld met het risicomodel (versie 1)" in dutch.text
    pdf = PdfReader(io.BytesIO(build_pdf(engine, DAY)))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "risk model (version 1)" in text
    dashboard.clear_cache()
