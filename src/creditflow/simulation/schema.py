"""Column lists of the import files (DESIGN 4.3) and the hidden debtor traits."""

from __future__ import annotations

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id", "name", "kind", "language", "country", "timezone", "email", "phone",
    "whatsapp", "address_line1", "address_line2", "postal_code", "city", "iban",
    "preferred_channel", "opt_out", "segment", "tags",
)  # fmt: skip
INVOICE_COLUMNS: tuple[str, ...] = (
    "invoice_number", "customer_id", "issue_date", "due_date", "amount", "currency",
    "open_amount", "status", "dispute_reason", "description", "payment_reference",
)  # fmt: skip
PAYMENT_COLUMNS: tuple[str, ...] = (
    "payment_id", "amount", "paid_at", "currency", "customer_id", "invoice_number",
    "reference", "method",
)  # fmt: skip

REQUIRED_CUSTOMER_COLUMNS: tuple[str, ...] = ("customer_id", "name", "kind")
REQUIRED_INVOICE_COLUMNS: tuple[str, ...] = (
    "invoice_number",
    "customer_id",
    "issue_date",
    "due_date",
    "amount",
)
REQUIRED_PAYMENT_COLUMNS: tuple[str, ...] = ("payment_id", "amount", "paid_at")

# Hidden behaviour of a debtor; never written to the customers file.
PAYER_TYPES: tuple[str, ...] = ("punctual", "forgetful", "struggling", "disputer", "ghost")
CONSUMER_PAYER_MIX: tuple[float, ...] = (0.45, 0.30, 0.13, 0.05, 0.07)
BUSINESS_PAYER_MIX: tuple[float, ...] = (0.40, 0.35, 0.10, 0.10, 0.05)
