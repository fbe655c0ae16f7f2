"""task runs record their arguments

Revision ID: 5d0e7c3a9b21
Revises: 240bbb3240b5
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db

revision: str = "5d0e7c3a9b21"
down_revision: str | Sequence[str] | None = "240bbb3240b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kernel_task_run") as batch:
        batch.add_column(sa.Column("arguments", orion.kernel.data.db.JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kernel_task_run") as batch:
        batch.drop_column("arguments")
