"""The actions table at 80 columns: whole ids, amounts and statuses, whatever the id."""

from __future__ import annotations

import io

from rich.console import Console

from creditflow.terminal import actions_table

RUN_ID = "0f66c1d2a3b4c5d6e7f8091a2b3c4d5e"
THANKS_ID = "thanks-edf14fd753bb400ca84a5cc36065d6e525ecd6a7"


def rendered(rows, width=80):
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(actions_table(rows, wide=False))
    return out.getvalue()


def row(action_id, step, status):
    return {
        "action_id": action_id,
        "customer_id": "C0001",
        "step": step,
        "currency": "EUR",
        "amount_due": "1234.56",
        "status": status,
    }


def test_a_long_confirmation_id_folds_and_the_status_stays_on_screen():
    text = rendered([row(RUN_ID, "reminder1", "queued"), row(THANKS_ID, "payment_thanks", "sent")])
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert RUN_ID in text  # a run's id on one line, as `tasks complete` needs it
    assert THANKS_ID in "".join(line.split()[0] if line.split() else "" for line in lines)
    assert "queued" in text and "sent" in text and "status" in text
    assert text.count("EUR 1234.56") == 2
