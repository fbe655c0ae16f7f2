"""clean_shop tables."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = ("clean_shop",)
depends_on = "kernel"


def upgrade() -> None:
    op.create_table(
        "clean_shop_order",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Uuid(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("clean_shop_order")
