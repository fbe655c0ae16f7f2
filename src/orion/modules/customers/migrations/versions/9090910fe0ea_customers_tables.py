"""customers tables

Revision ID: 9090910fe0ea
Revises:
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orion.kernel.data.db
from orion.kernel.data.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "9090910fe0ea"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("customers",)
depends_on: str | Sequence[str] | None = ("kernel", "tenancy")

TABLES = (
    "customers_customer",
    "customers_address",
    "customers_password_reset_token",
    "customers_session",
)


def upgrade() -> None:
    op.create_table(
        "customers_customer",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("hashed_password", sa.String(length=255), nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column(
            "marketing_consent_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "last_sign_in_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("erased_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "email = lower(email)", name=op.f("ck_customers_customer_email_lower_case")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["tenancy_store.id"],
            name=op.f("fk_customers_customer_store_id_tenancy_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers_customer")),
        sa.UniqueConstraint("store_id", "email", name=op.f("uq_customers_customer_store_id_email")),
    )
    with op.batch_alter_table("customers_customer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_customer_store_id"), ["store_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customers_customer_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "customers_address",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('billing', 'shipping')", name=op.f("ck_customers_address_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers_customer.id"],
            name=op.f("fk_customers_address_customer_id_customers_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers_address")),
    )
    with op.batch_alter_table("customers_address", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_address_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customers_address_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_customers_address_one_default",
            ["customer_id", "kind"],
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )

    op.create_table(
        "customers_password_reset_token",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers_customer.id"],
            name=op.f("fk_customers_password_reset_token_customer_id_customers_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers_password_reset_token")),
        sa.UniqueConstraint(
            "token_hash", name=op.f("uq_customers_password_reset_token_token_hash")
        ),
    )
    with op.batch_alter_table("customers_password_reset_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_password_reset_token_customer_id"),
            ["customer_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_customers_password_reset_token_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "customers_session",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", orion.kernel.data.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers_customer.id"],
            name=op.f("fk_customers_session_customer_id_customers_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers_session")),
    )
    with op.batch_alter_table("customers_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_session_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customers_session_tenant_id"), ["tenant_id"], unique=False
        )

    # The second wall behind the ORM's tenant filter (PostgreSQL; a no-op on SQLite).
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table("customers_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_session_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_customers_session_customer_id"))

    op.drop_table("customers_session")
    with op.batch_alter_table("customers_password_reset_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_password_reset_token_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_customers_password_reset_token_customer_id"))

    op.drop_table("customers_password_reset_token")
    with op.batch_alter_table("customers_address", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customers_address_one_default",
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )
        batch_op.drop_index(batch_op.f("ix_customers_address_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_customers_address_customer_id"))

    op.drop_table("customers_address")
    with op.batch_alter_table("customers_customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_customer_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_customers_customer_store_id"))

    op.drop_table("customers_customer")
