"""inventory tables: locations, levels, movements, the ledger, reservations, settings

Revision ID: b7d4e2a9c310
Revises:
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db
from orion.kernel.data.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "b7d4e2a9c310"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("inventory",)
depends_on: str | Sequence[str] | None = ("kernel", "tenancy", "catalog")

TENANT_TABLES = (
    "inventory_location",
    "inventory_settings",
    "inventory_movement",
    "inventory_level",
    "inventory_reservation",
    "inventory_transaction",
)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
    ]


def _store(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id"],
        ["tenancy_store.id"],
        name=op.f(f"fk_{table}_store_id_tenancy_store"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "inventory_location",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        *_timestamps(),
        _store("inventory_location"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_location")),
        sa.UniqueConstraint("store_id", "code", name=op.f("uq_inventory_location_store_id_code")),
    )
    op.create_index(
        op.f("ix_inventory_location_store_id"), "inventory_location", ["store_id"], unique=False
    )
    op.create_index(
        op.f("ix_inventory_location_tenant_id"), "inventory_location", ["tenant_id"], unique=False
    )

    op.create_table(
        "inventory_settings",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("reservation_ttl_minutes", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "reservation_ttl_minutes > 0", name=op.f("ck_inventory_settings_ttl_positive")
        ),
        _store("inventory_settings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_settings")),
        sa.UniqueConstraint("store_id", name=op.f("uq_inventory_settings_store_id")),
    )
    op.create_index(
        op.f("ix_inventory_settings_tenant_id"), "inventory_settings", ["tenant_id"], unique=False
    )

    op.create_table(
        "inventory_movement",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('receipt', 'adjustment', 'transfer')", name=op.f("ck_inventory_movement_kind")
        ),
        _store("inventory_movement"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_movement")),
        sa.UniqueConstraint(
            "tenant_id",
            "idempotency_key",
            name=op.f("uq_inventory_movement_tenant_id_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_inventory_movement_store_id"), "inventory_movement", ["store_id"], unique=False
    )
    op.create_index(
        op.f("ix_inventory_movement_tenant_id"), "inventory_movement", ["tenant_id"], unique=False
    )

    op.create_table(
        "inventory_level",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=True),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("low_stock_threshold", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_inventory_level_on_hand_not_negative")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_inventory_level_reserved_not_negative")),
        sa.CheckConstraint(
            "reserved <= on_hand", name=op.f("ck_inventory_level_available_not_negative")
        ),
        sa.CheckConstraint(
            "low_stock_threshold >= 0", name=op.f("ck_inventory_level_threshold_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_location.id"],
            name=op.f("fk_inventory_level_location_id_inventory_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product.id"],
            name=op.f("fk_inventory_level_product_id_catalog_product"),
            ondelete="CASCADE",
        ),
        _store("inventory_level"),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["catalog_variant.id"],
            name=op.f("fk_inventory_level_variant_id_catalog_variant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_level")),
    )
    op.create_index(
        "ix_inventory_level_store_id_product_id",
        "inventory_level",
        ["store_id", "product_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_level_tenant_id"), "inventory_level", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_inventory_level_variant_id"), "inventory_level", ["variant_id"], unique=False
    )
    op.create_index(
        "uq_inventory_level_location_product",
        "inventory_level",
        ["location_id", "product_id"],
        unique=True,
        sqlite_where=sa.text("variant_id IS NULL"),
        postgresql_where=sa.text("variant_id IS NULL"),
    )
    op.create_index(
        "uq_inventory_level_location_product_variant",
        "inventory_level",
        ["location_id", "product_id", "variant_id"],
        unique=True,
        sqlite_where=sa.text("variant_id IS NOT NULL"),
        postgresql_where=sa.text("variant_id IS NOT NULL"),
    )

    op.create_table(
        "inventory_reservation",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("level_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("expires_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "fulfilled + released <= quantity",
            name=op.f("ck_inventory_reservation_progress_within_quantity"),
        ),
        sa.CheckConstraint(
            "fulfilled >= 0 AND released >= 0",
            name=op.f("ck_inventory_reservation_progress_not_negative"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_inventory_reservation_quantity_positive")),
        sa.CheckConstraint(
            "returned >= 0 AND returned <= fulfilled",
            name=op.f("ck_inventory_reservation_returned_within"),
        ),
        sa.CheckConstraint(
            "state IN ('active', 'released', 'fulfilled')",
            name=op.f("ck_inventory_reservation_state"),
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["inventory_level.id"],
            name=op.f("fk_inventory_reservation_level_id_inventory_level"),
            ondelete="CASCADE",
        ),
        _store("inventory_reservation"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_reservation")),
    )
    op.create_index(
        op.f("ix_inventory_reservation_level_id"),
        "inventory_reservation",
        ["level_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_reservation_reference"),
        "inventory_reservation",
        ["reference"],
        unique=False,
    )
    op.create_index(
        "ix_inventory_reservation_state_expires_at",
        "inventory_reservation",
        ["state", "expires_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_reservation_store_id"),
        "inventory_reservation",
        ["store_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_reservation_tenant_id"),
        "inventory_reservation",
        ["tenant_id"],
        unique=False,
    )

    op.create_table(
        "inventory_transaction",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("level_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("on_hand_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("on_hand_after", sa.Integer(), nullable=False),
        sa.Column("reserved_after", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("movement_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('receive', 'adjust', 'transfer', 'reserve', 'release', 'fulfil', 'return')",
            name=op.f("ck_inventory_transaction_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["inventory_level.id"],
            name=op.f("fk_inventory_transaction_level_id_inventory_level"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["inventory_movement.id"],
            name=op.f("fk_inventory_transaction_movement_id_inventory_movement"),
            ondelete="CASCADE",
        ),
        _store("inventory_transaction"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_transaction")),
    )
    op.create_index(
        op.f("ix_inventory_transaction_level_id"),
        "inventory_transaction",
        ["level_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_transaction_movement_id"),
        "inventory_transaction",
        ["movement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_transaction_product_id"),
        "inventory_transaction",
        ["product_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_transaction_reference"),
        "inventory_transaction",
        ["reference"],
        unique=False,
    )
    op.create_index(
        "ix_inventory_transaction_store_id_created_at",
        "inventory_transaction",
        ["store_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inventory_transaction_tenant_id"),
        "inventory_transaction",
        ["tenant_id"],
        unique=False,
    )
    # The second wall behind the ORM's tenant filter (PostgreSQL; a no-op on SQLite).
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(op, table)
        op.drop_table(table)
