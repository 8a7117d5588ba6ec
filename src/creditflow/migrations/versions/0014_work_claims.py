"""Work claims: who holds which item of the workbench's worklist.

Revision ID: 0014
Revises: 0021
Create Date: 2026-12-05

One row per claimed item (`item_key`, unique); removing the staff user removes
their claims.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=96), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_work_claim_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_claim")),
        sa.UniqueConstraint("item_key", name=op.f("uq_work_claim_item_key")),
    )
    op.create_index(op.f("ix_work_claim_staff_user_id"), "work_claim", ["staff_user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_work_claim_staff_user_id"), table_name="work_claim")
    op.drop_table("work_claim")
