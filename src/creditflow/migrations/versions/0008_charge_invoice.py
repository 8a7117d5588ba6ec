"""Charges linked to their invoices; collection costs at most once per invoice.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

`charge_invoice` names the invoices a charge is for, unique per (invoice, kind), so
the database itself refuses a second collection costs charge for an invoice. Existing
charges are linked through the invoices of the action that booked them (the first
charge of an invoice wins). Dunning rows without a step id get the step of the action
that raised them, since the engine now reads the position by step id, not by index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_LINK_EXISTING = {
    "sqlite": "INSERT OR IGNORE INTO charge_invoice (charge_id, invoice_id, kind) "
    "SELECT c.id, j.value, c.kind FROM charge c JOIN action a ON a.action_id = c.action_id, "
    "json_each(a.invoice_ids) j ORDER BY c.id",
    "postgresql": "INSERT INTO charge_invoice (charge_id, invoice_id, kind) "
    "SELECT c.id, CAST(j.value AS INTEGER), c.kind FROM charge c "
    "JOIN action a ON a.action_id = c.action_id "
    "CROSS JOIN LATERAL json_array_elements_text(CAST(a.invoice_ids AS json)) AS j(value) "
    "ORDER BY c.id ON CONFLICT DO NOTHING",
}


def upgrade() -> None:
    op.create_table(
        "charge_invoice",
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["charge.id"],
            name=op.f("fk_charge_invoice_charge_id_charge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
            name=op.f("fk_charge_invoice_invoice_id_invoice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("charge_id", "invoice_id", name=op.f("pk_charge_invoice")),
        sa.UniqueConstraint("invoice_id", "kind", name=op.f("uq_charge_invoice_invoice_id")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(_LINK_EXISTING[dialect])
    op.execute(
        "UPDATE invoice_dunning SET step = COALESCE((SELECT a.step FROM action a "
        "JOIN invoice i ON i.customer_id = a.customer_id "
        "WHERE i.id = invoice_dunning.invoice_id AND a.level = invoice_dunning.level "
        "ORDER BY a.decided_on DESC, a.id DESC LIMIT 1), '') WHERE step = ''"
    )


def downgrade() -> None:
    op.drop_table("charge_invoice")
