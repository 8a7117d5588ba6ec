"""What the run learns: channel outcomes per step and each customer's usual hour.

Revision ID: 0021
Revises: 0013
Create Date: 2026-12-05

`channel_outcome` counts, per strategy step and channel, the sent messages old enough
to judge and how many were paid within seven days (Thompson sampling reads it).
`customer_habit` keeps the local minute of day a customer usually pays, signs in to
the portal or opens a link (the send time is set just before it). Both are written by
`creditflow model train`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("learned_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_outcome")),
    )
    op.create_table(
        "customer_habit",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("usual_minute", sa.Integer(), nullable=False),
        sa.Column("moments", sa.Integer(), nullable=False),
        sa.Column("learned_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_habit_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_habit")),
    )


def downgrade() -> None:
    op.drop_table("customer_habit")
    op.drop_table("channel_outcome")
