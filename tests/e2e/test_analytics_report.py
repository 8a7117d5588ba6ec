"""`creditflow report` as a user runs it, on a small ledger whose figures are worked out
by hand below (the same ledger as the worked example in docs/analytics.md)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from creditflow.db import make_engine

CREDITFLOW = Path(sys.executable).with_name("creditflow")

CUSTOMERS = """customer_id,name,kind,segment
C1,Jan de Vries,consumer,retail
C2,Bakkerij Brood B.V.,business,=HYPERLINK("http://x")
C3,Acme Inc.,business,
"""
# The EUR invoices (I1-I7) and one USD invoice (U1):
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount,currency
I1,C1,2025-11-01,2025-12-01,400.00,EUR
I2,C1,2026-01-10,2026-02-09,500.00,EUR
I3,C2,2026-01-20,2026-02-19,1000.00,EUR
I4,C2,2026-02-15,2026-03-17,600.00,EUR
I5,C1,2026-03-01,2026-03-31,200.00,EUR
I6,C2,2025-12-20,2026-01-09,150.00,EUR
I7,C1,2025-12-05,2026-01-04,80.00,EUR
U1,C3,2025-10-01,2025-10-31,300.00,USD
"""
# P1 pays part of I1, P2 all of I2, P3 part of I3 (partial), P4 all of I4 but only
# on 2026-03-12, after the as-of date 2026-03-10: it must be ignored there.
PAYMENTS = """payment_id,amount,paid_at,currency,customer_id,invoice_number
P1,100.00,2026-01-15,EUR,C1,I1
P2,500.00,2026-02-20,EUR,C1,I2
P3,250.00,2026-03-05,EUR,C2,I3
P4,600.00,2026-03-12,EUR,C2,I4
"""

# As of 2026-03-10 (EUR). Open at the end of the day, days past due = 2026-03-10 - due:
#   I1 400 - 100 (P1)   = 300   due 2025-12-01  99 days  -> 90+
#   I2 500 - 500 (P2)   =   0
#   I3 1000 - 250 (P3)  = 750   due 2026-02-19  19 days  -> 1-30
#   I4 600 (P4 is later)= 600   due 2026-03-17  -7 days  -> current
#   I5                  = 200   due 2026-03-31 -21 days  -> current
#   I6                  = 150   due 2026-01-09  60 days  -> 31-60
#   I7                  =  80   due 2026-01-04  65 days  -> 61-90
#   open = 2080.00; current = 800.00; overdue = 2080 - 800 = 1280.00
# Invoiced in the 90 days ending 2026-03-10 (issued 2025-12-11 .. 2026-03-10):
#   I2 500 + I3 1000 + I4 600 + I5 200 + I6 150 = 2450 (I1 and I7 are older)
#   DSO  = 2080 / 2450 x 90 = 76.408 -> 76.4
#   BPDSO = 800 / 2450 x 90 = 29.387 -> 29.4
#   ADD  = 76.408 - 29.387 = 47.020 -> 47.0
# CEI over 2026-02-09 .. 2026-03-10; open at the start (end of 2026-02-08):
#   I1 300 + I2 500 (P2 is 02-20) + I3 1000 + I6 150 + I7 80 = 2030 (I4, I5 not issued)
#   invoiced in the period: I4 600 + I5 200 = 800
#   CEI = (2030 + 800 - 2080) / (2030 + 800 - 800) x 100 = 750 / 2030 x 100 = 36.9
# USD: U1 300 open, due 2025-10-31: 130 days -> 90+; nothing invoiced in 90 days, so
#   DSO, best possible DSO and ADD are null; CEI = (300 + 0 - 300) / (300 + 0 - 0) = 0.0
MARCH_10: list[dict[str, Any]] = [
    {
        "as_of": "2026-03-10", "currency": "EUR", "open": "2080.00", "overdue": "1280.00",
        "aging": {"current": "800.00", "1-30": "750.00", "31-60": "150.00", "61-90": "80.00",
                  "90+": "300.00"},
        "dso_days": 76.4, "best_possible_dso_days": 29.4, "add_days": 47.0, "cei_percent": 36.9,
    },
    {
        "as_of": "2026-03-10", "currency": "USD", "open": "300.00", "overdue": "300.00",
        "aging": {"current": "0.00", "1-30": "0.00", "31-60": "0.00", "61-90": "0.00",
                  "90+": "300.00"},
        "dso_days": None, "best_possible_dso_days": None, "add_days": None, "cei_percent": 0.0,
    },
]  # fmt: skip

# As of 2026-02-08, in the past (EUR). Open at the end of the day:
#   I1 400 - 100 = 300 (P1 was 01-15)  due 2025-12-01  69 days -> 61-90
#   I2 500 (P2 comes 02-20)            due 2026-02-09  -1 day  -> current
#   I3 1000                            due 2026-02-19 -11 days -> current
#   I6 150                             due 2026-01-09  30 days -> 1-30
#   I7 80                              due 2026-01-04  35 days -> 31-60
#   I4, I5 not issued yet.  open = 2030; current = 1500; overdue = 530
# Invoiced 2025-11-11 .. 2026-02-08: I7 80 + I6 150 + I2 500 + I3 1000 = 1730
#   DSO = 2030 x 90 / 1730 = 105.607 -> 105.6; BPDSO = 1500 x 90 / 1730 = 78.035 -> 78.0
#   ADD = 530 x 90 / 1730 = 27.572 -> 27.6
# CEI over 2026-01-10 .. 2026-02-08: open at the end of 2026-01-09 = I1 400 + I6 150
#   + I7 80 = 630; invoiced I2 500 + I3 1000 = 1500
#   CEI = (630 + 1500 - 2030) / (630 + 1500 - 1500) x 100 = 100 / 630 x 100 = 15.9
# USD: 300 open, 100 days past due -> 90+; DSO null; CEI 0.0
FEBRUARY_8: list[dict[str, Any]] = [
    {
        "as_of": "2026-02-08", "currency": "EUR", "open": "2030.00", "overdue": "530.00",
        "aging": {"current": "1500.00", "1-30": "150.00", "31-60": "80.00", "61-90": "300.00",
                  "90+": "0.00"},
        "dso_days": 105.6, "best_possible_dso_days": 78.0, "add_days": 27.6,
        "cei_percent": 15.9,
    },
    {
        "as_of": "2026-02-08", "currency": "USD", "open": "300.00", "overdue": "300.00",
        "aging": {"current": "0.00", "1-30": "0.00", "31-60": "0.00", "61-90": "0.00",
                  "90+": "300.00"},
        "dso_days": None, "best_possible_dso_days": None, "add_days": None, "cei_percent": 0.0,
    },
]  # fmt: skip


@pytest.fixture
def cli(database_url: str, tmp_path: Path):
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"),
        "COLUMNS": "80",
    }
    env.pop("CREDITFLOW_CONFIG", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    return run


@pytest.fixture
def hand_ledger(cli, tmp_path: Path):
    for kind, body in (("customers", CUSTOMERS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        (tmp_path / f"{kind}.csv").write_text(body, encoding="utf-8")
    assert cli("init").returncode == 0
    for kind in ("customers", "invoices", "payments"):
        done = cli("import", kind, f"{kind}.csv")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "rejected 0" in done.stdout
    return cli


def _objects(stdout: str) -> list[dict[str, Any]]:
    """The contract's part of each line (the cash forecast after it is checked apart)."""
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert all(list(line)[-1] == "cash_forecast" for line in lines)
    return [{k: v for k, v in line.items() if k != "cash_forecast"} for line in lines]


def _forecasts(stdout: str) -> dict[str, dict[str, Any]]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return {line["currency"]: line["cash_forecast"] for line in lines}


def test_report_json_matches_the_hand_ledger_to_the_cent_and_tenth_of_a_day(hand_ledger):
    done = hand_ledger("report", "--as-of", "2026-03-10", "--json")
    assert done.returncode == 0, done.stderr
    assert _objects(done.stdout) == MARCH_10
    assert list(_objects(done.stdout)[0]) == list(MARCH_10[0])  # the contract's key order
    # Added after the contract: the cash forecast (no model trained: own days late), the
    # worked example of docs/analytics.md.
    forecasts = _forecasts(done.stdout)
    assert forecasts["EUR"]["method"] == "own days late"
    assert {w["week_from"]: (w["expected"], w["invoices"]) for w in forecasts["EUR"]["weeks"]
            if w["invoices"]} == {"2026-03-11": ("1280.00", 4), "2026-03-25": ("600.00", 1),
                                  "2026-04-08": ("200.00", 1)}  # fmt: skip
    assert forecasts["EUR"]["later"] == "0.00"
    assert forecasts["USD"]["weeks"][0] == {"week_from": "2026-03-11", "expected": "300.00",
                                            "invoices": 1}  # fmt: skip


def test_report_as_of_a_past_date_ignores_what_came_later(hand_ledger):
    done = hand_ledger("report", "--as-of", "2026-02-08", "--json")
    assert done.returncode == 0, done.stderr
    assert _objects(done.stdout) == FEBRUARY_8


def test_a_credit_note_lowers_open_and_sales_and_an_undefined_cei_is_null(cli, database_url: str):
    # One invoice A of 100.00 (issued 2026-03-01, due 2026-03-31) and a credit note of
    # -30.00 (issued and due 2026-03-05; imports refuse negatives, so it is written as the
    # API would). As of 2026-03-10: open = 100 - 30 = 70.00; A is current (100.00), the
    # credit note is 5 days past due (1-30: -30.00), overdue = 70 - 100 = -30.00.
    # Invoiced in 90 days = 100 - 30 = 70: DSO = 70 / 70 x 90 = 90.0,
    # BPDSO = 100 / 70 x 90 = 128.571 -> 128.6, ADD = -30 / 70 x 90 = -38.571 -> -38.6.
    # CEI: open at the start 0, invoiced 70, open at the end 70, current 100:
    # denominator 0 + 70 - 100 = -30 is not positive -> null.
    assert cli("init").returncode == 0
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (customer_id, name, kind, language, country, timezone, "
                "opt_out, tags, risk, credit_minor, credit_currency, created_at, updated_at) "
                "VALUES ('C9', 'Klant', 'business', 'nl', 'NL', 'Europe/Amsterdam', '[]', '[]', "
                "0, 0, 'EUR', '2026-03-01 00:00:00', '2026-03-01 00:00:00')"
            )
        )
        for number, issue, due, minor in (
            ("A", "2026-03-01", "2026-03-31", 10000),
            ("CN", "2026-03-05", "2026-03-05", -3000),
        ):
            conn.execute(
                text(
                    "INSERT INTO invoice (invoice_number, customer_id, issue_date, due_date, "
                    "currency, amount_minor, open_minor, status, payment_reference, created_at, "
                    "updated_at) SELECT :n, id, :i, :d, 'EUR', :m, :m, 'open', :n, "
                    "'2026-03-01 00:00:00', '2026-03-01 00:00:00' FROM customer"
                ),
                {"n": number, "i": issue, "d": due, "m": minor},
            )
    engine.dispose()
    done = cli("report", "--as-of", "2026-03-10", "--json")
    assert done.returncode == 0, done.stderr
    assert _objects(done.stdout) == [
        {
            "as_of": "2026-03-10", "currency": "EUR", "open": "70.00", "overdue": "-30.00",
            "aging": {"current": "100.00", "1-30": "-30.00", "31-60": "0.00", "61-90": "0.00",
                      "90+": "0.00"},
            "dso_days": 90.0, "best_possible_dso_days": 128.6, "add_days": -38.6,
            "cei_percent": None,
        }
    ]  # fmt: skip


def test_report_before_any_invoice_prints_nothing_as_json(hand_ledger):
    done = hand_ledger("report", "--as-of", "2025-01-01", "--json")
    assert done.returncode == 0 and done.stdout == ""


def test_report_rejects_a_date_that_is_not_a_date(hand_ledger):
    done = hand_ledger("report", "--as-of", "10-03-2026")
    assert done.returncode == 2
    assert "is not a date" in done.stderr


def test_report_summary_fits_80_columns_and_shows_countback_and_habits(hand_ledger):
    done = hand_ledger("report", "--as-of", "2026-03-10")
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    # countback: March 1-10 sells 200 (left 1880, 10 days), February 600 (left 1280,
    # 38 days), January 1500 >= 1280: 31 x 1280 / 1500 = 26.45 -> 64.5 days.
    assert "64.5 days" in done.stdout
    # I2 (retail) is the one invoice paid in 90 days: 2026-02-20 - 2026-01-10 = 41 days
    # to pay, 2026-02-20 - 2026-02-09 = 11 days late.
    assert "41.0" in done.stdout and "11.0" in done.stdout
    assert "76.4 days" in done.stdout and "36.9 %" in done.stdout


def test_report_exports_csv_and_xlsx_with_formulas_neutralised(hand_ledger, tmp_path: Path):
    done = hand_ledger(
        "report", "--as-of", "2026-03-10", "--csv", "figures.csv", "--xlsx", "figures.xlsx"
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "figures.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["currency"] for r in rows] == ["EUR", "USD"]
    assert rows[0]["open"] == "2080.00" and rows[0]["countback_dso_days"] == "64.5"
    assert rows[1]["dso_days"] == ""
    weeks = (tmp_path / "figures.collected_per_week.csv").read_text(encoding="utf-8")
    assert "EUR,2026-02-16,500.00,1" in weeks and "EUR,2026-03-02,250.00,1" in weeks
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "figures.xlsx")
    assert book.sheetnames == [
        "figures", "payment_habits", "collected_per_week", "arrangements", "opt_outs",
        "effectiveness", "cash_forecast", "portal_use", "engagement",
    ]  # fmt: skip
    # Cash forecast: I2 (C1) is the one invoice paid in 90 days, 11 days late; C1 keeps
    # its own 11, C2 (no history) gets the average of all, also 11. Expected days:
    # I1 2025-12-12, I3 2026-03-02, I6 2026-01-20, I7 2026-01-15: passed -> week 1
    # (300 + 750 + 150 + 80 = 1280.00); I4 2026-03-28 -> week 3 (from 2026-03-25): 600.00;
    # I5 2026-04-11 -> week 5 (from 2026-04-08): 200.00.
    cash = (tmp_path / "figures.cash_forecast.csv").read_text(encoding="utf-8")
    assert "EUR,1,2026-03-11,1280.00,4" in cash and "EUR,3,2026-03-25,600.00,1" in cash
    assert "EUR,5,2026-04-08,200.00,1" in cash and "EUR,later,2026-05-06,0.00,0" in cash
    sheet = book["figures"]
    assert [c.value for c in sheet[1]][:4] == ["as_of", "currency", "open", "overdue"]
    assert sheet["C2"].value == "2080.00"


def test_a_segment_that_looks_like_a_formula_is_exported_as_text(hand_ledger, tmp_path: Path):
    # As of 2026-03-15, P4 (2026-03-12) has settled I4 of C2, whose segment starts with
    # '=': 2026-03-12 - 2026-02-15 = 25 days to pay, 2026-03-12 - 2026-03-17 = -5 (early).
    done = hand_ledger("report", "--as-of", "2026-03-15", "--csv", "f.csv", "--xlsx", "f.xlsx")
    assert done.returncode == 0, done.stderr
    habits = (tmp_path / "f.payment_habits.csv").read_text(encoding="utf-8")
    assert 'EUR,"\'=HYPERLINK(""http://x"")",1,25.0,-5.0' in habits
    from openpyxl import load_workbook

    values = [row for row in load_workbook(tmp_path / "f.xlsx")["payment_habits"].values]
    assert ("EUR", '\'=HYPERLINK("http://x")', 1, 25.0, -5.0) in values


def test_effectiveness_of_a_contact_against_the_not_contacted_baseline(
    hand_ledger, database_url: str, tmp_path: Path
):
    # An SMS about I3 sent 2026-02-20 (the day after I3 fell due), run on strategy version 3.
    # P3 paid 250.00 on 2026-03-05: 13 days later -> paid within 14, not within 7 days.
    # Per 100 contacts: 250.00 x 100 / 1 = 25000.00. Price of an SMS from creditflow.toml:
    # 0.10, cost per euro collected = 0.10 / 250.00 = 0.0004.
    # Baseline, due 2025-11-27 .. 2026-02-24 and not contacted in the 14 days after the
    # due date: I1, I2, I6, I7 (I3 was contacted). Only I2 is paid within 14 days of its
    # due date (500.00 on day 11): 1 of 4 = 25.0 %, 500.00 x 100 / 4 = 12500.00.
    engine = make_engine(database_url)
    with engine.begin() as conn:
        i3 = conn.execute(text("SELECT id FROM invoice WHERE invoice_number = 'I3'")).scalar()
        conn.execute(
            text(
                "INSERT INTO collection_run (id, as_of, strategy_version_id, dry_run, "
                "started_at, summary) VALUES (7, '2026-02-20', 3, false, "
                "'2026-02-20 06:00:00', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO action (action_id, run_id, customer_id, kind, channel, step, level, "
                "strategy, template, language, tone, invoice_numbers, invoice_ids, "
                "amount_due_minor, currency, decided_on, scheduled_at, timezone, status, "
                "fallback_channels, attempts, sent_at, payload, created_at, updated_at) "
                "SELECT 'a1', 7, i.customer_id, 'message', 'sms', 'reminder1', 1, 'default', "
                "'reminder', 'nl', 'friendly', :numbers, :ids, 100000, 'EUR', '2026-02-20', "
                "'2026-02-20 09:00:00', 'Europe/Amsterdam', 'delivered', '[]', 1, "
                "'2026-02-20 09:00:05', '{}', '2026-02-20 06:00:00', '2026-02-20 09:00:05' "
                "FROM invoice i WHERE i.invoice_number = 'I3'"
            ),
            {"numbers": '["I3"]', "ids": f"[{i3}]"},
        )
    engine.dispose()
    (tmp_path / "creditflow.toml").write_text('[analytics]\nsms = "0.10"\n', encoding="utf-8")
    done = hand_ledger("report", "--as-of", "2026-03-10", "--csv", "f.csv")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "f.effectiveness.csv").open(encoding="utf-8") as handle:
        rows = {(r["dimension"], r["value"]): r for r in csv.DictReader(handle)}
    sms = rows[("channel", "sms")]
    assert (sms["contacts"], sms["delivered"], sms["paid_7"], sms["paid_14"]) == (
        "1",
        "1",
        "0",
        "1",
    )
    assert (sms["collected_per_100_contacts"], sms["cost"]) == ("25000.00", "0.10")
    assert sms["cost_per_unit_collected"] == "0.0004"
    assert rows[("strategy_version", "default v3")]["contacts"] == "1"
    assert rows[("tone", "friendly")]["paid_14"] == "1"
    base = rows[("baseline", "not contacted")]
    assert (base["contacts"], base["paid_14"], base["paid_14_percent"]) == ("4", "1", "25.0")
    assert base["collected_per_100_contacts"] == "12500.00"
    shown = hand_ledger("report", "--as-of", "2026-03-10")
    assert "not contacted" in shown.stdout and "25000.00" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80


def test_a_bad_channel_price_is_a_configuration_error(hand_ledger, tmp_path: Path):
    (tmp_path / "creditflow.toml").write_text('[analytics]\nsms = "cheap"\n', encoding="utf-8")
    done = hand_ledger("report", "--json")
    assert done.returncode == 2
    assert "[analytics] sms: expected an amount of 0 or more, got 'cheap'" in done.stderr
