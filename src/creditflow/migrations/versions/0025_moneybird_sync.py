"""The Moneybird connector's memory: record versions seen, payments pushed.

Revision ID: 0025
Revises: 0027
Create Date: 2026-12-05

`moneybird_record` holds the version of each contact and sales invoice last imported
(the synchronization endpoints list id + version; only changed ones are fetched).
`moneybird_payment` holds each allocation of a creditflow payment registered on a
Moneybird invoice, so it is registered once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moneybird_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("moneybird_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("local_key", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moneybird_record")),
        sa.UniqueConstraint("kind", "moneybird_id", name=op.f("uq_moneybird_record_kind")),
    )
    op.create_table(
        "moneybird_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("sales_invoice_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("moneybird_payment_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocation.id"],
            name=op.f("fk_moneybird_payment_allocation_id_allocation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moneybird_payment")),
        sa.UniqueConstraint("allocation_id", name=op.f("uq_moneybird_payment_allocation_id")),
        sa.UniqueConstraint("key", name=op.f("uq_moneybird_payment_key")),
    )


def downgrade() -> None:
    op.drop_table("moneybird_payment")
    op.drop_table("moneybird_record")
