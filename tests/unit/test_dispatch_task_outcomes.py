"""`tasks complete` takes only the outcomes a call or a review can have."""

from __future__ import annotations

import pytest

from creditflow.dispatch.tasks import task_outcome


@pytest.mark.parametrize(
    ("channel", "given", "stored"),
    [
        ("call", "reached", "reached"),
        ("call", "no answer", "no_answer"),
        ("voice", " No-Answer ", "no_answer"),
        ("call", "promise", "promise"),
        ("call", "dispute", "dispute"),
        ("call", "wrong number", "wrong_number"),
        ("review", "approved", "approved"),
        ("review", "Rejected", "rejected"),
        ("review", "done", "done"),
    ],
)
def test_a_defined_outcome_is_stored_in_one_spelling(channel, given, stored):
    assert task_outcome(channel, given) == stored


@pytest.mark.parametrize(
    ("channel", "given", "message"),
    [
        ("call", "called him, he will pay",
         "outcome: 'called him, he will pay' is not an outcome of a call task; "
         "use one of: reached, no_answer, promise, dispute, wrong_number"),
        ("call", "", "outcome: '(empty)' is not an outcome of a call task"),
        ("call", "approved", "is not an outcome of a call task"),
        ("review", "reached",
         "outcome: 'reached' is not an outcome of a review task; "
         "use one of: done, approved, rejected"),
    ],
)  # fmt: skip
def test_any_other_text_is_refused_naming_the_allowed_outcomes(channel, given, message):
    with pytest.raises(ValueError) as refused:
        task_outcome(channel, given)
    assert message in str(refused.value)
