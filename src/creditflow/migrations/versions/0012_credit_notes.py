"""Credit notes against invoices, and the ids customers are known by (VAT, KvK, Peppol).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

`credit_note` holds credit notes imported from UBL e-invoices (and negative invoices,
which are corrections): each lowers the open amount of the invoice it refers to.
`customer_identifier` keeps a buyer's VAT number, KvK number (scheme 0106) and Peppol
ids, so that the next e-invoice for the same buyer finds the same customer.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("applied_minor", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_credit_note_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_credit_note_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("credit_note_number", name=op.f("uq_credit_note_credit_note_number")),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_customer_id"), ["customer_id"])
        batch_op.create_index(batch_op.f("ix_credit_note_invoice_id"), ["invoice_id"])
    op.create_table(
        "customer_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_identifier_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_identifier")),
        sa.UniqueConstraint("scheme", "value", name=op.f("uq_customer_identifier_scheme")),
    )
    with op.batch_alter_table("customer_identifier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_identifier_customer_id"), ["customer_id"])


def downgrade() -> None:
    op.drop_table("customer_identifier")
    op.drop_table("credit_note")
