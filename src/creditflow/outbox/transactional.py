"""Transactional messages: the answers to something the debtor just did.

One list (`RESPONSE_STEPS`) says which messages answer the debtor: a login code, a
confirmation of a promise, dispute or opt-out, a payment link or reply in a
conversation, a thank-you for a payment. Such a message is sent at once by `serve`
(`dispatch.immediate`) and is exempt from quiet hours (`strategy.sendtime`). Pure.
"""

from __future__ import annotations

__all__ = ["RESPONSE_STEPS", "answers_the_debtor"]

# Messages that answer something the debtor just did; they go at once, at any hour.
RESPONSE_STEPS = frozenset(
    {
        "access_code",
        "conversation_reply",
        "pay_link",
        "promise_confirmation",
        "dispute_received",
        "opt_out_confirmation",
        "payment_thanks",
    }
)


def answers_the_debtor(kind: str, step: str) -> bool:
    """True for a message that answers something the debtor just did (transactional)."""
    return kind == "message" and step in RESPONSE_STEPS
