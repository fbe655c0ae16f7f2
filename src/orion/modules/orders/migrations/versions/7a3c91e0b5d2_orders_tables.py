"""orders tables

Revision ID: 7a3c91e0b5d2
Revises:
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db
from orion.kernel.data.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "7a3c91e0b5d2"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("orders",)
depends_on: str | Sequence[str] | None = ("kernel", "tenancy")

TIME = orion.kernel.data.db.UTCDateTime(timezone=True)
JSON = orion.kernel.data.db.JSONType

TABLES = (
    "orders_order",
    "orders_item",
    "orders_event",
    "orders_fulfillment",
    "orders_fulfillment_item",
    "orders_return",
    "orders_return_item",
    "orders_sequence",
    "orders_invoice",
    "orders_credit_note",
)


def _id() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    ]


def _store() -> sa.Column:
    return sa.Column("store_id", sa.Uuid(), nullable=False)


def _store_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id"],
        ["tenancy_store.id"],
        name=op.f(f"fk_{table}_store_id_tenancy_store"),
        ondelete="CASCADE",
    )


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{columns[0]}"), table, list(columns), unique=False)


def upgrade() -> None:
    op.create_table(
        "orders_order",
        *_id(),
        _store(),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("customer_email", sa.String(length=320), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("shipping_address", JSON, nullable=True),
        sa.Column("billing_address", JSON, nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("items_total", sa.BigInteger(), nullable=False),
        sa.Column("discount_total", sa.BigInteger(), nullable=False),
        sa.Column("shipping_total", sa.BigInteger(), nullable=False),
        sa.Column("shipping_vat_rate", sa.Integer(), nullable=False),
        sa.Column("vat_total", sa.BigInteger(), nullable=False),
        sa.Column("grand_total", sa.BigInteger(), nullable=False),
        sa.Column("vat_breakdown", JSON, nullable=False),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("refunded_total", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("placed_at", TIME, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint(
            "grand_total >= 0", name=op.f("ck_orders_order_grand_total_not_negative")
        ),
        _store_fk("orders_order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_order")),
        sa.UniqueConstraint(
            "store_id", "idempotency_key", name=op.f("uq_orders_order_store_id_idempotency_key")
        ),
        sa.UniqueConstraint("store_id", "number", name=op.f("uq_orders_order_store_id_number")),
    )
    _index("orders_order", "tenant_id")
    _index("orders_order", "store_id")
    _index("orders_order", "state")
    _index("orders_order", "customer_email")
    op.create_index(
        "ix_orders_order_store_id_placed_at",
        "orders_order",
        ["store_id", "placed_at"],
        unique=False,
    )

    op.create_table(
        "orders_item",
        *_id(),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("variant_id", sa.Uuid(), nullable=True),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("line_total", sa.BigInteger(), nullable=False),
        sa.Column("fulfilled_quantity", sa.Integer(), nullable=False),
        sa.Column("returned_quantity", sa.Integer(), nullable=False),
        sa.Column("refunded_quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_item_quantity_positive")),
        sa.CheckConstraint(
            "fulfilled_quantity >= 0 AND fulfilled_quantity <= quantity",
            name=op.f("ck_orders_item_fulfilled_in_range"),
        ),
        sa.CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= fulfilled_quantity",
            name=op.f("ck_orders_item_returned_in_range"),
        ),
        _fk("orders_item", "order_id", "orders_order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_item")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_orders_item_order_id_position")),
    )
    _index("orders_item", "tenant_id")
    _index("orders_item", "order_id")

    op.create_table(
        "orders_event",
        *_id(),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("data", JSON, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        _fk("orders_event", "order_id", "orders_order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_event")),
    )
    _index("orders_event", "tenant_id")
    op.create_index(
        "ix_orders_event_order_id_created_at",
        "orders_event",
        ["order_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "orders_fulfillment",
        *_id(),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        _fk("orders_fulfillment", "order_id", "orders_order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_fulfillment")),
    )
    _index("orders_fulfillment", "tenant_id")
    _index("orders_fulfillment", "order_id")

    op.create_table(
        "orders_fulfillment_item",
        *_id(),
        sa.Column("fulfillment_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_orders_fulfillment_item_quantity_positive")
        ),
        _fk("orders_fulfillment_item", "fulfillment_id", "orders_fulfillment"),
        _fk("orders_fulfillment_item", "item_id", "orders_item"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_fulfillment_item")),
    )
    _index("orders_fulfillment_item", "tenant_id")
    _index("orders_fulfillment_item", "fulfillment_id")
    _index("orders_fulfillment_item", "item_id")

    op.create_table(
        "orders_return",
        *_id(),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        _fk("orders_return", "order_id", "orders_order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_return")),
    )
    _index("orders_return", "tenant_id")
    _index("orders_return", "order_id")

    op.create_table(
        "orders_return_item",
        *_id(),
        sa.Column("return_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_return_item_quantity_positive")),
        _fk("orders_return_item", "return_id", "orders_return"),
        _fk("orders_return_item", "item_id", "orders_item"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_return_item")),
    )
    _index("orders_return_item", "tenant_id")
    _index("orders_return_item", "return_id")
    _index("orders_return_item", "item_id")

    op.create_table(
        "orders_sequence",
        *_id(),
        _store(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.BigInteger(), nullable=False),
        _store_fk("orders_sequence"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_sequence")),
        sa.UniqueConstraint(
            "store_id", "kind", "year", name=op.f("uq_orders_sequence_store_id_kind_year")
        ),
    )
    _index("orders_sequence", "tenant_id")
    _index("orders_sequence", "store_id")

    op.create_table(
        "orders_invoice",
        *_id(),
        _store(),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence_number", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("grand_total", sa.BigInteger(), nullable=False),
        sa.Column("vat_total", sa.BigInteger(), nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("issued_at", TIME, nullable=False),
        _fk("orders_invoice", "order_id", "orders_order"),
        _store_fk("orders_invoice"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_invoice")),
        sa.UniqueConstraint("order_id", name=op.f("uq_orders_invoice_order_id")),
        sa.UniqueConstraint("store_id", "number", name=op.f("uq_orders_invoice_store_id_number")),
    )
    _index("orders_invoice", "tenant_id")
    _index("orders_invoice", "store_id")

    op.create_table(
        "orders_credit_note",
        *_id(),
        _store(),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence_number", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("vat_total", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("issued_at", TIME, nullable=False),
        _fk("orders_credit_note", "invoice_id", "orders_invoice", "SET NULL"),
        _fk("orders_credit_note", "order_id", "orders_order"),
        _store_fk("orders_credit_note"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders_credit_note")),
        sa.UniqueConstraint(
            "store_id", "number", name=op.f("uq_orders_credit_note_store_id_number")
        ),
    )
    _index("orders_credit_note", "tenant_id")
    _index("orders_credit_note", "store_id")
    _index("orders_credit_note", "order_id")

    # The second wall behind the ORM's tenant filter (PostgreSQL; a no-op on SQLite).
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
        op.drop_table(table)
