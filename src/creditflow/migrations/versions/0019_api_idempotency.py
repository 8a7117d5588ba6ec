"""API v1: stored answers of POST requests by their Idempotency-Key.

Revision ID: 0019
Revises: 0013
Create Date: 2026-12-05

A client that repeats a POST with the same `Idempotency-Key` (and the same body) gets
the stored answer instead of a second write; a row expires after a day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.String(length=160), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency")),
        sa.UniqueConstraint("principal", "key", name="uq_api_idempotency_principal"),
    )
    op.create_index(op.f("ix_api_idempotency_expires_at"), "api_idempotency", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_api_idempotency_expires_at"), table_name="api_idempotency")
    op.drop_table("api_idempotency")
