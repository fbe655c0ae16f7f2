"""What the customers services share: the deployment's settings and the password rules."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime import runtime_of
from orion.kernel.security import password_weakness
from orion.modules.customers.exceptions import CustomerErased, WeakPassword
from orion.modules.customers.models import Customer
from orion.modules.customers.settings import CustomersSettings

ACTIVE = "active"


def customers_settings(session: Session) -> CustomersSettings:
    """ORION_MODULES__CUSTOMERS__* (validated at start-up by the kernel)."""
    return CustomersSettings.model_validate(
        runtime_of(session).settings.modules.get("customers") or {}
    )


def check_password_strength(password: str, *, email: str | None, field: str = "password") -> None:
    """Raise WeakPassword (422 naming `field`) for a password too easy to guess: the
    kernel's rules, the same as staff passwords'."""
    reason = password_weakness(password, email=email)
    if reason is not None:
        raise WeakPassword(reason, field=field)


def not_erased(customer: Customer) -> Customer:
    if customer.erased_at is not None:
        raise CustomerErased(customer_id=str(customer.id))
    return customer
