"""Indexes the workbench's pages need on a big ledger (p95 under 150 ms).

Revision ID: 0027
Revises: 0019
Create Date: 2026-12-05

With 200,000 customers and 1,000,000 invoices the run queues about 190,000 messages;
the worklist's task queries, a customer's queued actions, the segment filter and a
customer's consents each scanned a table without these (bench/workbench_pages.py).
"""

from alembic import op

revision = "0027"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_action_kind_status", "action", ["kind", "status", "scheduled_at"])
    op.create_index(
        "ix_action_customer_status", "action", ["customer_id", "status", "scheduled_at"]
    )
    op.create_index("ix_customer_segment", "customer", ["segment"])
    op.create_index("ix_consent_customer", "consent", ["customer_id", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_consent_customer", table_name="consent")
    op.drop_index("ix_customer_segment", table_name="customer")
    op.drop_index("ix_action_customer_status", table_name="action")
    op.drop_index("ix_action_kind_status", table_name="action")
