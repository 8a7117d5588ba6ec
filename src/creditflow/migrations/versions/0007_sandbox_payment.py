"""The sandbox payment provider keeps its own state, apart from our payment requests.

Until now the sandbox settled a payment by writing "paid" into our own
`payment_request` row, so a webhook that then failed left a request marked paid with
no payment recorded. Like a real provider, the sandbox now answers from its own table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_payment",
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("payment_request_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checkout_url", sa.String(length=1000), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_sandbox_payment")),
    )
    op.execute(
        "INSERT INTO sandbox_payment (provider_id, payment_request_id, amount_minor, currency, "
        "status, checkout_url, method, created_at, updated_at, paid_at) "
        "SELECT provider_id, id, amount_minor, currency, status, checkout_url, method, "
        "created_at, updated_at, paid_at FROM payment_request "
        "WHERE provider = 'sandbox' AND provider_id IS NOT NULL AND checkout_url IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("sandbox_payment")
