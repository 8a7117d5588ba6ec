"""A collector's portfolio: the staff user each customer is assigned to.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

`customer.collector_id` names the collector (a `staff_user`) who works this customer.
A collector sees only the customers assigned to them in the workbench; managers,
admins and viewers see everyone. Removing the user leaves the customer unassigned.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN: SQLite cannot copy `customer` (batch mode) while other
        # tables point at it; the column is nullable, so no row needs rewriting.
        op.execute(
            "ALTER TABLE customer ADD COLUMN collector_id INTEGER "
            "CONSTRAINT fk_customer_collector_id_staff_user "
            "REFERENCES staff_user (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("customer", sa.Column("collector_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_customer_collector_id_staff_user"),
            "customer",
            "staff_user",
            ["collector_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(op.f("ix_customer_collector_id"), "customer", ["collector_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_collector_id"), table_name="customer")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_customer_collector_id_staff_user"), "customer", type_="foreignkey"
        )
    op.drop_column("customer", "collector_id")
