"""Public contracts pinned by the tests, written out as DESIGN.md states them."""

ACTION_JSON_KEYS = [
    "action_id",
    "customer_id",
    "kind",
    "channel",
    "step",
    "template",
    "language",
    "tone",
    "invoices",
    "amount_due",
    "currency",
    "scheduled_at",
    "status",
]
"""The keys of one action in `run --json` / `actions --json` (DESIGN 4.2), in order."""
