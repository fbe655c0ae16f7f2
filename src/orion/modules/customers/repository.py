"""Customers queries: one repository per model. The kernel's filter limits every query to
the acting tenant, so none here names `tenant_id`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select, update

from orion.kernel.data.repository import RepositoryBase
from orion.kernel.security import hash_token
from orion.modules.customers.exceptions import AddressNotFound, CustomerNotFound
from orion.modules.customers.models import (
    Customer,
    CustomerAddress,
    CustomerPasswordResetToken,
    CustomerSession,
)


def _like(text: str) -> str:
    """`text` as a literal LIKE pattern (its %, _ and \\ mean themselves)."""
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


class CustomerRepository(RepositoryBase[Customer]):
    model = Customer
    not_found = CustomerNotFound

    def of_store(
        self, store_id: uuid.UUID, customer_id: uuid.UUID, *, lock: bool = False
    ) -> Customer:
        """The store's customer (404 otherwise); `lock` takes its row lock and reads it
        afresh, so changes to one customer (its default addresses, erasure) run in turn."""
        if lock:
            customer = self.first(
                select(Customer)
                .where(Customer.id == customer_id, Customer.store_id == store_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        else:
            customer = self.find(customer_id)
        if customer is None or customer.store_id != store_id:
            raise CustomerNotFound(f"customer {customer_id} does not exist")
        return customer

    def by_email(self, store_id: uuid.UUID, email: str) -> Customer | None:
        return self.first(
            select(Customer).where(Customer.store_id == store_id, Customer.email == email)
        )

    def filtered(
        self, store_id: uuid.UUID, *, search: str | None = None, active: bool | None = None
    ) -> Select[tuple[Customer]]:
        """The store's customers whose email or name contains `search` (any case)."""
        query = select(Customer).where(Customer.store_id == store_id)
        if active is not None:
            query = query.where(Customer.is_active.is_(active))
        if search:
            pattern = _like(search.strip().lower())
            full_name = func.lower(
                func.coalesce(Customer.first_name, "") + " " + func.coalesce(Customer.last_name, "")
            )
            query = query.where(
                or_(
                    Customer.email.like(pattern, escape="\\"),
                    full_name.like(pattern, escape="\\"),
                )
            )
        return query

    def count_of_store(self, store_id: uuid.UUID) -> int:
        return (
            self.session.scalar(
                select(func.count()).select_from(Customer).where(Customer.store_id == store_id)
            )
            or 0
        )


class AddressRepository(RepositoryBase[CustomerAddress]):
    model = CustomerAddress
    not_found = AddressNotFound
    label = "address"

    def of_customer(self, customer_id: uuid.UUID) -> list[CustomerAddress]:
        return self.list(
            select(CustomerAddress)
            .where(CustomerAddress.customer_id == customer_id)
            .order_by(
                CustomerAddress.kind,
                CustomerAddress.is_default.desc(),
                CustomerAddress.created_at,
                CustomerAddress.id,
            )
        )

    def one_of(self, customer_id: uuid.UUID, address_id: uuid.UUID) -> CustomerAddress:
        address = self.find(address_id)
        if address is None or address.customer_id != customer_id:
            raise AddressNotFound(f"address {address_id} does not exist")
        return address

    def clear_default(self, customer_id: uuid.UUID, kind: str) -> None:
        self.session.execute(
            update(CustomerAddress)
            .where(
                CustomerAddress.customer_id == customer_id,
                CustomerAddress.kind == kind,
                CustomerAddress.is_default.is_(True),
            )
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )

    def has_default(self, customer_id: uuid.UUID, kind: str) -> bool:
        return (
            self.first(
                select(CustomerAddress).where(
                    CustomerAddress.customer_id == customer_id,
                    CustomerAddress.kind == kind,
                    CustomerAddress.is_default.is_(True),
                )
            )
            is not None
        )

    def delete_of_customer(self, customer_id: uuid.UUID) -> int:
        result = self.session.execute(
            delete(CustomerAddress)
            .where(CustomerAddress.customer_id == customer_id)
            .execution_options(synchronize_session="fetch")
        )
        return result.rowcount or 0


class SessionRepository(RepositoryBase[CustomerSession]):
    model = CustomerSession

    def of_customer(self, customer_id: uuid.UUID) -> list[CustomerSession]:
        return self.list(
            select(CustomerSession)
            .where(CustomerSession.customer_id == customer_id)
            .order_by(CustomerSession.created_at)
        )

    def active_with_customer(
        self, session_id: uuid.UUID, customer_id: uuid.UUID, now: datetime
    ) -> Customer | None:
        """The customer, when `session_id` is its session, not revoked nor expired."""
        return self.session.scalars(
            select(Customer)
            .join(CustomerSession, CustomerSession.customer_id == Customer.id)
            .where(
                CustomerSession.id == session_id,
                Customer.id == customer_id,
                CustomerSession.revoked_at.is_(None),
                CustomerSession.expires_at > now,
            )
            .limit(1)
        ).first()

    def revoke(self, now: datetime, reason: str, *where: object) -> int:
        result = self.session.execute(
            update(CustomerSession)
            .where(CustomerSession.revoked_at.is_(None), *where)  # type: ignore[arg-type]
            .values(revoked_at=now, revoke_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    def purge(self, before: datetime) -> int:
        result = self.session.execute(
            delete(CustomerSession)
            .where(or_(CustomerSession.expires_at < before, CustomerSession.revoked_at < before))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


class ResetTokenRepository(RepositoryBase[CustomerPasswordResetToken]):
    model = CustomerPasswordResetToken

    def by_plaintext(self, token: str) -> CustomerPasswordResetToken | None:
        return self.first(
            select(CustomerPasswordResetToken).where(
                CustomerPasswordResetToken.token_hash == hash_token(token)
            )
        )

    def issued_since(self, customer_id: uuid.UUID, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(CustomerPasswordResetToken)
                .where(
                    CustomerPasswordResetToken.customer_id == customer_id,
                    CustomerPasswordResetToken.created_at >= since,
                )
            )
            or 0
        )

    def expire_outstanding(self, customer_id: uuid.UUID, now: datetime) -> None:
        """A new token replaces those not used yet: they expire now."""
        self.session.execute(
            update(CustomerPasswordResetToken)
            .where(
                CustomerPasswordResetToken.customer_id == customer_id,
                CustomerPasswordResetToken.used_at.is_(None),
                CustomerPasswordResetToken.expires_at > now,
            )
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )

    def claim(self, row: CustomerPasswordResetToken, now: datetime) -> bool:
        """Mark it used, unless a concurrent request did first (one row changes, or none)."""
        result = self.session.execute(
            update(CustomerPasswordResetToken)
            .where(
                CustomerPasswordResetToken.id == row.id,
                CustomerPasswordResetToken.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def delete_of_customer(self, customer_id: uuid.UUID) -> None:
        self.session.execute(
            delete(CustomerPasswordResetToken)
            .where(CustomerPasswordResetToken.customer_id == customer_id)
            .execution_options(synchronize_session=False)
        )

    def purge(self, before: datetime) -> int:
        result = self.session.execute(
            delete(CustomerPasswordResetToken)
            .where(CustomerPasswordResetToken.expires_at < before)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0
