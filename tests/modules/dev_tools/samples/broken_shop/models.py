"""Two tables: one migrated, one not; one tenant-owned model without TenantScoped."""

import uuid

from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, UUIDPrimaryKey


class Order(UUIDPrimaryKey, TenantScoped, Base):
    __tablename__ = "broken_shop_order"

    total: Mapped[int] = mapped_column()


class OrderLine(UUIDPrimaryKey, Base):
    __tablename__ = "broken_shop_line"

    tenant_id: Mapped[uuid.UUID] = mapped_column()
    quantity: Mapped[int] = mapped_column()
