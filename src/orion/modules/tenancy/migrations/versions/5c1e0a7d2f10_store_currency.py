"""a store's currency (ISO 4217; EUR for the stores that exist)

Revision ID: 5c1e0a7d2f10
Revises: 961d7742b49b
Create Date: 2026-12-07 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e0a7d2f10"
down_revision: str | Sequence[str] | None = "961d7742b49b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenancy_store") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("tenancy_store") as batch:
        batch.drop_column("currency")
