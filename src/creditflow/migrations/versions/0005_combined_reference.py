"""One structured reference per message about several invoices.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "combined_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_combined_reference_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_combined_reference")),
        sa.UniqueConstraint("reference", name=op.f("uq_combined_reference_reference")),
        sa.UniqueConstraint("action_id", name=op.f("uq_combined_reference_action_id")),
    )
    op.create_index(
        op.f("ix_combined_reference_customer_id"), "combined_reference", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_combined_reference_customer_id"), table_name="combined_reference")
    op.drop_table("combined_reference")
