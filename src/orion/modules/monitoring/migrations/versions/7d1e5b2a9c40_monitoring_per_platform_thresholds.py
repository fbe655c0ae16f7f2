"""monitoring: thresholds per platform, per-platform figures and webhook failures in
snapshots, the platform of a notification

Revision ID: 7d1e5b2a9c40
Revises: 4ce2f2f06e30
Create Date: 2026-12-08 10:12:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db

revision: str = "7d1e5b2a9c40"
down_revision: str | Sequence[str] | None = "4ce2f2f06e30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('task_failed', 'threshold', 'outbox_stalled')"
NEW_KINDS = "kind IN ('task_failed', 'threshold', 'outbox_stalled', 'webhook_failed')"


def upgrade() -> None:
    with op.batch_alter_table("monitoring_threshold", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_monitoring_threshold_metric"), type_="unique")
        batch_op.add_column(sa.Column("platform_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            "uq_monitoring_threshold_deployment",
            ["metric"],
            unique=True,
            sqlite_where=sa.text("platform_id IS NULL"),
            postgresql_where=sa.text("platform_id IS NULL"),
        )
        batch_op.create_index(
            "uq_monitoring_threshold_platform",
            ["metric", "platform_id"],
            unique=True,
            sqlite_where=sa.text("platform_id IS NOT NULL"),
            postgresql_where=sa.text("platform_id IS NOT NULL"),
        )
    with op.batch_alter_table("monitoring_snapshot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("webhooks_failed", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "by_platform",
                orion.kernel.data.db.JSONType,
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )
    with op.batch_alter_table("monitoring_notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_id", sa.Uuid(), nullable=True))
        batch_op.drop_constraint(op.f("ck_monitoring_notification_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_monitoring_notification_kind"), NEW_KINDS)
    # The server defaults only filled the rows already there.
    with op.batch_alter_table("monitoring_snapshot", schema=None) as batch_op:
        batch_op.alter_column("webhooks_failed", server_default=None)
        batch_op.alter_column("by_platform", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM monitoring_notification WHERE kind = 'webhook_failed'")
    op.execute("DELETE FROM monitoring_threshold WHERE platform_id IS NOT NULL")
    with op.batch_alter_table("monitoring_notification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_monitoring_notification_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_monitoring_notification_kind"), OLD_KINDS)
        batch_op.drop_column("platform_id")
    with op.batch_alter_table("monitoring_snapshot", schema=None) as batch_op:
        batch_op.drop_column("by_platform")
        batch_op.drop_column("webhooks_failed")
    with op.batch_alter_table("monitoring_threshold", schema=None) as batch_op:
        batch_op.drop_index("uq_monitoring_threshold_platform")
        batch_op.drop_index("uq_monitoring_threshold_deployment")
        batch_op.drop_column("platform_id")
        batch_op.create_unique_constraint(op.f("uq_monitoring_threshold_metric"), ["metric"])
