"""Portal policy: promise dates, plan schedules, upload checks, rate limits, settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.rules import (
    add_months,
    check_promise_date,
    plan_schedule,
    safe_filename,
    sniff_upload,
    split_minor,
)
from creditflow.config import ConfigError, settings_from
from creditflow.config.sections import parse_portal
from creditflow.money import Money
from creditflow.portal.policy import PortalPolicy, TokenBucket

TODAY = date(2026, 3, 2)
POLICY = PortalPolicy()


@pytest.mark.parametrize(
    ("promised", "refusal"),
    [
        (date(2026, 3, 2), None),
        (date(2026, 3, 16), None),
        (date(2026, 3, 17), "promise_too_far"),
        (date(2026, 3, 1), "promise_in_past"),
    ],
)
def test_promise_dates(promised, refusal):
    if refusal is None:
        assert check_promise_date(promised, TODAY, POLICY) == promised
    else:
        with pytest.raises(PolicyRefusal) as caught:
            check_promise_date(promised, TODAY, POLICY)
        assert caught.value.code == refusal


def test_promise_window_is_configurable():
    assert check_promise_date(date(2026, 3, 30), TODAY, replace(POLICY, max_promise_days=30))


@pytest.mark.parametrize(
    ("total", "months", "amounts", "refusal"),
    [
        ("300.50", 3, ["100.17", "100.17", "100.16"], None),
        ("150.00", 6, ["25.00"] * 6, None),
        ("149.99", 6, None, "plan_installment_too_small"),
        ("1000.00", 7, None, "plan_too_long"),
        ("0.00", 2, None, "plan_nothing_open"),
        ("100.00", 0, None, "plan_months"),
    ],
)
def test_plan_schedules(total, months, amounts, refusal):
    money = Money(Decimal(total), "EUR")
    if refusal:
        with pytest.raises(PolicyRefusal) as caught:
            plan_schedule(money, months, TODAY, POLICY)
        assert caught.value.code == refusal
        return
    schedule = plan_schedule(money, months, TODAY, POLICY)
    assert [i.amount.text() for i in schedule] == amounts
    assert schedule[0].due_date == date(2026, 3, 9)
    assert sum((i.amount for i in schedule), Money.zero("EUR")) == money


def test_split_minor_and_months():
    assert split_minor(10, 3) == [4, 3, 3]
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"<html><body>hi</body></html>", "upload_type"),
        (b"GIF89a", "upload_type"),
        (b"", "upload_empty"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "upload_too_large"),
    ],
)
def test_uploads_are_sniffed_not_trusted(data, expected):
    if expected.startswith("upload_"):
        with pytest.raises(PolicyRefusal) as caught:
            sniff_upload(data)
        assert caught.value.code == expected
    else:
        assert sniff_upload(data) == expected


def test_safe_filenames():
    assert safe_filename("../../etc/passwd.pdf", "application/pdf") == "passwd.pdf"
    assert safe_filename('a"b<script>.html', "image/png") == "a_b_script_.png"


def test_token_bucket_refuses_then_refills():
    bucket = TokenBucket(capacity=2, per_minute=60)
    assert [bucket.allow("k", 0.0) for _ in range(3)] == [True, True, False]
    assert bucket.allow("other", 0.0)
    assert bucket.allow("k", 1.0)  # one token per second


def test_policy_from_settings():
    settings = settings_from(
        {"portal": {"max_promise_days": 10, "plan_min_installment": "30.00"}}, environ={}
    )
    policy = settings.portal
    assert (policy.max_promise_days, policy.plan_min_installment) == (10, Decimal("30.00"))
    with pytest.raises(ConfigError, match="max_promise_days"):
        parse_portal({"portal": {"max_promise_days": 0}})
    with pytest.raises(ConfigError, match="plan_min_installment"):
        parse_portal({"portal": {"plan_min_installment": "25,00"}})
