"""A person's pause of a customer's dunning (`customer.paused_until`); the list by name.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

Set from the workbench's customer page ("pause until a date"). While the day has not
passed, the collection run and the pre-send re-check give the customer's invoices no
reminder (`strategy.pause`, reason "paused"). The workbench's customer list is
read by name a page at a time: `ix_customer_name` (name, id) answers it without a sort.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN: SQLite cannot copy `customer` (batch mode) while other
        # tables point at it; the column is nullable, so no row needs rewriting.
        op.execute("ALTER TABLE customer ADD COLUMN paused_until DATE")
    else:
        op.add_column("customer", sa.Column("paused_until", sa.Date(), nullable=True))
    op.create_index("ix_customer_name", "customer", ["name", "id"])


def downgrade() -> None:
    op.drop_index("ix_customer_name", table_name="customer")
    op.drop_column("customer", "paused_until")
