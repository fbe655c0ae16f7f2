"""analytics tables

Revision ID: c4e8a1f2d907
Revises:
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db
from orion.kernel.data.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "c4e8a1f2d907"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = ("kernel", "tenancy")

TABLES = ("analytics_daily_sales", "analytics_rollup")


def upgrade() -> None:
    op.create_table(
        "analytics_daily_sales",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("grand_total", sa.BigInteger(), nullable=False),
        sa.Column("vat_total", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["tenancy_store.id"],
            name=op.f("fk_analytics_daily_sales_store_id_tenancy_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily_sales")),
        sa.UniqueConstraint(
            "store_id",
            "day",
            "currency",
            name=op.f("uq_analytics_daily_sales_store_id_day_currency"),
        ),
    )
    with op.batch_alter_table("analytics_daily_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_daily_sales_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_analytics_daily_sales_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "analytics_rollup",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("refreshed_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["tenancy_store.id"],
            name=op.f("fk_analytics_rollup_store_id_tenancy_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_rollup")),
        sa.UniqueConstraint("store_id", name=op.f("uq_analytics_rollup_store_id")),
    )
    with op.batch_alter_table("analytics_rollup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_rollup_tenant_id"), ["tenant_id"], unique=False
        )
    # The second wall behind the ORM's tenant filter (PostgreSQL; a no-op on SQLite).
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(op, table)
    op.drop_table("analytics_rollup")
    op.drop_table("analytics_daily_sales")
