"""Short links (/l/K7QM-4XPD) for SMS, WhatsApp and letters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "short_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_short_link_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_link")),
        sa.UniqueConstraint("action_id", "purpose", name="uq_short_link_action_purpose"),
        sa.UniqueConstraint("code_hash", name=op.f("uq_short_link_code_hash")),
    )
    with op.batch_alter_table("short_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_short_link_customer_id"), ["customer_id"])


def downgrade() -> None:
    with op.batch_alter_table("short_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_short_link_customer_id"))
    op.drop_table("short_link")
