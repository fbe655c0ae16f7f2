"""storefront carts, and the customer of an order

Revision ID: c4e2a9b7d1f3
Revises: 7a3c91e0b5d2
Create Date: 2026-12-08 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db
from orion.kernel.data.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "c4e2a9b7d1f3"
down_revision: str | Sequence[str] | None = "7a3c91e0b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = orion.kernel.data.db.UTCDateTime(timezone=True)


def _common() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("orders_order") as batch:
        batch.add_column(sa.Column("customer_id", sa.Uuid(), nullable=True))
        batch.create_index(op.f("ix_orders_order_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "orders_cart",
        *_common(),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["tenancy_store.id"],
            name=op.f("fk_orders_cart_store_id_tenancy_store"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders_order.id"],
            name=op.f("fk_orders_cart_order_id_orders_order"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_cart")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_orders_cart_token_hash")),
    )
    op.create_index(op.f("ix_orders_cart_tenant_id"), "orders_cart", ["tenant_id"])
    op.create_index(op.f("ix_orders_cart_store_id"), "orders_cart", ["store_id"])
    op.create_index(
        "ix_orders_cart_store_id_customer_id", "orders_cart", ["store_id", "customer_id"]
    )

    op.create_table(
        "orders_cart_item",
        *_common(),
        sa.Column("cart_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_cart_item_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cart_id"],
            ["orders_cart.id"],
            name=op.f("fk_orders_cart_item_cart_id_orders_cart"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_cart_item")),
        sa.UniqueConstraint("cart_id", "sku", name=op.f("uq_orders_cart_item_cart_id_sku")),
    )
    op.create_index(op.f("ix_orders_cart_item_tenant_id"), "orders_cart_item", ["tenant_id"])
    op.create_index(op.f("ix_orders_cart_item_cart_id"), "orders_cart_item", ["cart_id"])
    for table in ("orders_cart", "orders_cart_item"):
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in ("orders_cart_item", "orders_cart"):
        disable_tenant_rls(op, table)
        op.drop_table(table)
    with op.batch_alter_table("orders_order") as batch:
        batch.drop_index(op.f("ix_orders_order_customer_id"))
        batch.drop_column("customer_id")
