"""Storefront accounts: register, sign in (throttled), sign out, a customer's own changes
and password."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.contract.points import CustomerRef, StoreInfo
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime.events import publish
from orion.kernel.security import hash_password, verify_password
from orion.modules.customers.events import CustomerPasswordChanged, CustomerRegistered
from orion.modules.customers.exceptions import (
    CustomerDisabled,
    CustomerEmailTaken,
    InvalidCredentials,
    SignInThrottled,
    WrongPassword,
)
from orion.modules.customers.models import Customer
from orion.modules.customers.repository import CustomerRepository
from orion.modules.customers.schemas import (
    CustomerRegister,
    CustomerSignIn,
    CustomerToken,
    CustomerUpdateMe,
    PasswordChange,
)
from orion.modules.customers.services.accounts import add_customer, apply_changes
from orion.modules.customers.services.common import check_password_strength, not_erased
from orion.modules.customers.services.throttle import SignInThrottle
from orion.modules.customers.services.tokens import issue_token, revoke_session, revoke_sessions


def register(
    session: Session, tenant: TenantContext, *, store: StoreInfo, data: CustomerRegister
) -> CustomerToken:
    """Open an account with the store and sign it in. An email the store knows already is
    refused naming `email` (409), also a customer without a password (a guest checkout):
    it sets its password through a reset, which proves it owns the address."""
    check_password_strength(data.password, email=data.email)
    with acting_for(session, tenant):
        existing = CustomerRepository(session).by_email(store.id, data.email)
        if existing is not None:
            hint = (
                "ask for a password reset to set its password"
                if existing.hashed_password is None and existing.erased_at is None
                else "sign in instead"
            )
            raise CustomerEmailTaken(data.email, hint=hint)
        now = utcnow()
        customer = add_customer(
            session,
            Customer(
                tenant_id=tenant.tenant_id,
                store_id=store.id,
                email=data.email,
                first_name=data.first_name,
                last_name=data.last_name,
                phone=data.phone,
                hashed_password=hash_password(data.password),
                marketing_consent=data.marketing_consent,
                marketing_consent_at=now if data.marketing_consent else None,
                last_sign_in_at=now,
            ),
        )
        publish(session, CustomerRegistered(customer_id=customer.id, store_id=store.id))
        return issue_token(session, customer)


def _verify(customer: Customer | None, password: str) -> bool:
    """Check the password; without one to check, the kernel spends the same time (timing
    tells nothing of which accounts exist)."""
    matches, new_hash = verify_password(password, customer.hashed_password if customer else None)
    if customer is not None and matches and new_hash:
        customer.hashed_password = new_hash  # stored with outdated parameters: upgrade it
    return matches


def sign_in(
    session: Session,
    tenant: TenantContext,
    *,
    store: StoreInfo,
    data: CustomerSignIn,
    address: str | None,
) -> CustomerToken:
    """Sign in with the password, throttled per account and per client address (429
    with Retry-After); 401 for a wrong email or password, the same for both."""
    throttle = SignInThrottle(session, store.id)
    wait = throttle.retry_after(data.email, address)
    if wait is not None:
        raise SignInThrottled(wait)
    with acting_for(session, tenant):
        customer = CustomerRepository(session).by_email(store.id, data.email)
        if not _verify(customer, data.password) or customer is None:
            throttle.failed(data.email, address)
            raise InvalidCredentials()
        if not customer.is_active or customer.erased_at is not None:
            raise CustomerDisabled()
        throttle.succeeded(data.email)
        customer.last_sign_in_at = utcnow()
        return issue_token(session, customer)


def sign_out(session: Session, tenant: TenantContext, *, session_id: uuid.UUID) -> None:
    """End the sign-in session: its token stops working at once."""
    with acting_for(session, tenant):
        revoke_session(session, session_id, reason="sign_out")


def my_account(session: Session, tenant: TenantContext, customer: CustomerRef) -> Customer:
    with acting_for(session, tenant):
        return CustomerRepository(session).of_store(customer.store_id, customer.id)


def update_me(
    session: Session, tenant: TenantContext, customer: CustomerRef, *, data: CustomerUpdateMe
) -> Customer:
    with acting_for(session, tenant):
        row = CustomerRepository(session).of_store(customer.store_id, customer.id, lock=True)
        return apply_changes(session, row, data.model_dump(exclude_unset=True))


def change_password(
    session: Session,
    tenant: TenantContext,
    customer: CustomerRef,
    *,
    data: PasswordChange,
    session_id: uuid.UUID | None,
) -> None:
    """A new password, confirmed with the current one; the customer's other sessions end
    (this one goes on)."""
    with acting_for(session, tenant):
        row = not_erased(
            CustomerRepository(session).of_store(customer.store_id, customer.id, lock=True)
        )
        if not _verify(row, data.current_password):
            raise WrongPassword()
        check_password_strength(data.new_password, email=row.email, field="new_password")
        row.hashed_password = hash_password(data.new_password)
        revoke_sessions(session, row.id, reason="password_changed", keep=session_id)
        publish(
            session,
            CustomerPasswordChanged(customer_id=row.id, store_id=row.store_id, how="changed"),
        )
        session.flush()


def verify_customer_password(
    session: Session, tenant: TenantContext, customer: CustomerRef, password: str | None
) -> bool:
    """Does `password` confirm a request of the customer? A customer without a password
    (created by staff, a guest) has nothing to confirm with."""
    with acting_for(session, tenant):
        row = CustomerRepository(session).of_store(customer.store_id, customer.id)
        if row.hashed_password is None:
            return True
        return password is not None and _verify(row, password)
