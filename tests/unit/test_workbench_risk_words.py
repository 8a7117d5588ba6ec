"""The risk factors in plain words: every feature has words, and every word has its Dutch."""

from __future__ import annotations

import pytest

from creditflow.intelligence.explain import Factor
from creditflow.intelligence.features import FEATURES
from creditflow.workbench.risk_view import FACTOR_WORDS, ONE, factor_words
from creditflow.workbench.words.risk import TEXTS


def test_every_feature_has_words_and_every_text_has_its_dutch():
    assert set(FACTOR_WORDS) == set(FEATURES)
    texts = {t for pair in FACTOR_WORDS.values() for t in pair} | set(ONE.values())
    missing = sorted(t for t in texts if "nl" not in TEXTS.get(t, {}))
    assert not missing


@pytest.mark.parametrize(
    ("feature", "value", "contribution", "text", "params", "raises"),
    [
        ("late_share", 0.875, 1.5, "Paid late on about {pct}% of past invoices", {"pct": 88}, True),
        ("mean_pay_offset", -3.2, -0.4, "Usually pays {days} days before the due date",
         {"days": 3}, False),
        ("mean_pay_offset", 12.0, 0.4, "Usually pays {days} days after the due date",
         {"days": 12}, True),
        ("last_days_late", 0.0, -0.1, "Last payment on time", {"days": 0}, False),
        ("open_count", 1.0986123, 0.2, "{n} invoices open", {"n": 2}, True),
        ("open_count", 0.6931472, 0.1, "1 invoice open", {}, True),
        ("no_history", 1.0, 0.3, "No payment history yet", {"days": 1}, True),
        ("disputed", 0.0, -0.2, "Nothing disputed", {"days": 0}, False),
        ("amount_ratio", 0.6931472, 0.2, "Amount {times} times the usual", {"times": "2.0"}, True),
    ],
)  # fmt: skip
def test_a_factor_is_said_the_way_its_value_reads(feature, value, contribution, text, params,
                                                   raises):  # fmt: skip
    said = factor_words(Factor(feature, value, contribution))
    assert (said.text, said.params, said.raises) == (text, params, raises)
