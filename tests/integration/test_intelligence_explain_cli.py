"""`creditflow risk --json --explain`: the contract's keys, plus each invoice's top factors."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from creditflow.cli import app
from creditflow.db import transaction
from tests.support.portal_data import add_customer, add_invoice
from tests.support.risk_data import paid_history
from tests.support.staff import NOW

CONTRACT_KEYS = {"invoice_number", "customer_id", "p_late", "expected_days_late",
                 "expected_pay_date"}  # fmt: skip


def _risk(settings, *extra: str) -> list[dict]:
    day = NOW.date().isoformat()
    result = CliRunner().invoke(
        app, ["risk", "--as-of", day, "--json", *extra, "--db", settings.database_url]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_risk_json_explain_adds_the_top_factors_and_keeps_the_contract(engine, settings):
    with transaction(engine) as session:
        late = add_customer(session, "LATE")
        paid_history(session, late, days_late=25)
        add_invoice(session, late, "LATE-OPEN", 50_000, NOW.date() + timedelta(days=10))
        new = add_customer(session, "NEW")
        add_invoice(session, new, "NEW-OPEN", 50_000, NOW.date() + timedelta(days=10))
    plain = _risk(settings)
    assert [set(r) for r in plain] == [CONTRACT_KEYS, CONTRACT_KEYS]  # unchanged without it
    explained = {r["invoice_number"]: r for r in _risk(settings, "--explain")}
    assert all(set(r) == CONTRACT_KEYS | {"factors"} for r in explained.values())
    assert {k: v for k, v in explained["LATE-OPEN"].items() if k != "factors"} == plain[0]
    assert explained["LATE-OPEN"]["factors"] == [
        {"feature": "late_share", "contribution": 1.5},  # prior: 4 x (7/8 - 1/2)
        {"feature": "mean_days_late", "contribution": 0.5},  # 0.02 x 25
        {"feature": "recent_late_share", "contribution": 0.45},  # 1.5 x (4/5 - 1/2)
    ]
    assert (
        explained["NEW-OPEN"]["factors"] == []
    )  # no history: the prior's base, nothing stands out
