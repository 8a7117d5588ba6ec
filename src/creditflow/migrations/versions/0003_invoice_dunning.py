"""Dunning state of invoices in its own narrow table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_dunning",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
            name=op.f("fk_invoice_dunning_invoice_id_invoice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_dunning")),
    )
    op.execute(
        "INSERT INTO invoice_dunning (invoice_id, level, step, reached_on) "
        "SELECT id, dunning_level, COALESCE(dunning_step, ''), COALESCE(dunning_on, due_date) "
        "FROM invoice WHERE dunning_level > 0"
    )
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("dunning_on")
        batch.drop_column("dunning_step")
        batch.drop_column("dunning_level")


def downgrade() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(
            sa.Column("dunning_level", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("dunning_step", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("dunning_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE invoice SET dunning_level = d.level, dunning_step = d.step, "
        "dunning_on = d.reached_on FROM invoice_dunning d WHERE d.invoice_id = invoice.id"
    )
    op.drop_table("invoice_dunning")
