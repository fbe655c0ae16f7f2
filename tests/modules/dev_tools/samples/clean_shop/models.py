"""One tenant-owned table, migrated."""

import uuid

from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, UUIDPrimaryKey


class Order(UUIDPrimaryKey, TenantScoped, Base):
    __tablename__ = "clean_shop_order"

    tenant_id: Mapped[uuid.UUID] = mapped_column()
    total: Mapped[int] = mapped_column()
    # A platform-level reference may be empty: not a tenant-owned column.
    referrer_id: Mapped[uuid.UUID | None] = mapped_column()
