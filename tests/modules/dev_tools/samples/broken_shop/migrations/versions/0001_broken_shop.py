"""broken_shop tables: creates the orders, forgets the order lines."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = ("broken_shop",)
depends_on = "kernel"


def upgrade() -> None:
    op.create_table(
        "broken_shop_order",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("broken_shop_order")
