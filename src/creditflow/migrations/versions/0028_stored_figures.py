"""Stored figures: the DESIGN 4.6 figures per date and currency, and the forecast as made.

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-05

`figures_day` is one stored date (when computed, the ledger's fingerprint then);
`figures_currency` its contract figures per currency (minor units, days in tenths);
`forecast_week` the cash forecast as made on that date. See docs/analytics.md.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figures_day",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forecast_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forecast_method", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_figures_day")),
    )
    minor = [
        "open_minor",
        "overdue_minor",
        "aging_current_minor",
        "aging_1_30_minor",
        "aging_31_60_minor",
        "aging_61_90_minor",
        "aging_90_plus_minor",
        "invoiced_90_minor",
        "cei_open_start_minor",
        "cei_invoiced_minor",
    ]
    tenths = ["dso_tenths", "best_possible_dso_tenths", "add_tenths", "cei_tenths",
              "countback_tenths"]  # fmt: skip
    op.create_table(
        "figures_currency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in minor],
        *[sa.Column(name, sa.Integer(), nullable=True) for name in tenths],
        sa.ForeignKeyConstraint(
            ["as_of"],
            ["figures_day.as_of"],
            name=op.f("fk_figures_currency_as_of_figures_day"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figures_currency")),
        sa.UniqueConstraint("as_of", "currency", name=op.f("uq_figures_currency_as_of")),
    )
    op.create_table(
        "forecast_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("week_from", sa.Date(), nullable=False),
        sa.Column("expected_minor", sa.BigInteger(), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["made_on"],
            ["figures_day.as_of"],
            name=op.f("fk_forecast_week_made_on_figures_day"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_week")),
        sa.UniqueConstraint("made_on", "currency", "week", name=op.f("uq_forecast_week_made_on")),
    )


def downgrade() -> None:
    op.drop_table("forecast_week")
    op.drop_table("figures_currency")
    op.drop_table("figures_day")
