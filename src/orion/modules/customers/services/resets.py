"""Password reset: a single-use, expiring token mailed to the customer, then a new
password. It is how a customer created without a password (by staff, at a guest checkout)
sets one.

The token is stored as its SHA-256 only. It goes into the mail in the same transaction
(`queue_email`, sensitive: the body is encrypted at rest until sent, then dropped); no
event carries it, so it is never in the outbox, not even for the time of a delivery.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import structlog
from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import OrionError
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.security import hash_password, new_token
from orion.modules.customers.events import CustomerPasswordChanged, CustomerPasswordResetRequested
from orion.modules.customers.exceptions import ResetTokenExpired, ResetTokenInvalid, ResetTokenUsed
from orion.modules.customers.models import Customer, CustomerPasswordResetToken
from orion.modules.customers.repository import CustomerRepository, ResetTokenRepository
from orion.modules.customers.schemas import PasswordResetConfirm, PasswordResetRequest
from orion.modules.customers.services.common import check_password_strength, customers_settings
from orion.modules.customers.services.throttle import SignInThrottle
from orion.modules.customers.services.tokens import revoke_sessions
from orion.modules.email import services as email

log = structlog.get_logger(__name__)

RESET_TOKEN_PREFIX = "ocr"  # noqa: S105 - tells what a leaked token is
TEMPLATE = "customers/password_reset"
EMAIL = "email"


def request_password_reset(
    session: Session, tenant: TenantContext, *, store: StoreInfo, data: PasswordResetRequest
) -> bool:
    """Mail a reset token to the store's active customer with this email; nothing for an
    unknown address, a disabled or erased customer, past the hourly limit, or where the
    tenant has no mail (the caller answers the same either way). True when mailed."""
    with acting_for(session, tenant):
        customer = CustomerRepository(session).by_email(store.id, data.email)
        if customer is None or not customer.is_active or customer.erased_at is not None:
            return False
        if not _mail_on(session, tenant):
            log.warning("customer_password_reset_without_mail", customer_id=str(customer.id))
            return False
        settings = customers_settings(session)
        resets = ResetTokenRepository(session)
        now = utcnow()
        issued = resets.issued_since(customer.id, now - timedelta(hours=1))
        if issued >= settings.password_resets_per_hour:
            log.warning("customer_password_reset_throttled", customer_id=str(customer.id))
            return False
        token, digest = new_token(RESET_TOKEN_PREFIX)
        expires_at = now + timedelta(minutes=settings.password_reset_minutes)
        if not _queue_mail(session, tenant, store, customer, token, expires_at):
            return False  # nothing written: no token without its mail
        resets.expire_outstanding(customer.id, now)  # the newest token is the one that works
        resets.add(
            CustomerPasswordResetToken(
                tenant_id=tenant.tenant_id,
                customer_id=customer.id,
                token_hash=digest,
                expires_at=expires_at,
            )
        )
        publish(
            session,
            CustomerPasswordResetRequested(
                customer_id=customer.id, store_id=store.id, expires_at=expires_at
            ),
        )
        return True


def _mail_on(session: Session, tenant: TenantContext) -> bool:
    runtime = runtime_of(session)
    return (
        EMAIL in runtime.registry
        and tenant.platform_id is not None
        and runtime.modules.is_enabled(
            session, EMAIL, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
        )
    )


def _queue_mail(
    session: Session,
    tenant: TenantContext,
    store: StoreInfo,
    customer: Customer,
    token: str,
    expires_at: datetime,
) -> bool:
    url = customers_settings(session).password_reset_url
    link = (
        url.format(token=quote(token, safe=""), store_id=store.id, store_code=store.code)
        if url
        else None
    )
    try:
        email.queue_email(
            session,
            tenant_id=tenant.tenant_id,
            to=customer.email,
            template=TEMPLATE,
            context={
                "store_name": store.name,
                "customer_name": customer.name,
                "reset_url": link,
                "token": token,
                "expires_at": expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "sender_name": store.name,
            },
            sensitive=True,
        )
    except OrionError as exc:  # an address the mail server would refuse: nothing to send
        log.warning("customer_password_reset_not_queued", reason=exc.message)
        return False
    return True


def reset_password(
    session: Session, tenant: TenantContext, *, store: StoreInfo, data: PasswordResetConfirm
) -> None:
    """Set a new password with a mailed token, once: 422 naming `token` for an unknown
    one, 410 when used or expired; every session of the customer ends."""
    with acting_for(session, tenant):
        resets = ResetTokenRepository(session)
        row = resets.by_plaintext(data.token)
        if row is None:
            raise ResetTokenInvalid()
        customer = CustomerRepository(session).find(row.customer_id)
        if customer is None or customer.store_id != store.id:
            raise ResetTokenInvalid()
        if row.used_at is not None:
            raise ResetTokenUsed()
        now = utcnow()
        if row.expires_at <= now:
            raise ResetTokenExpired()
        if not customer.is_active or customer.erased_at is not None:
            raise ResetTokenInvalid()
        check_password_strength(data.new_password, email=customer.email, field="new_password")
        if not resets.claim(row, now):  # a concurrent request used it first
            raise ResetTokenUsed()
        customer.hashed_password = hash_password(data.new_password)
        revoke_sessions(session, customer.id, reason="password_reset")
        SignInThrottle(session, store.id).succeeded(customer.email)
        publish(
            session,
            CustomerPasswordChanged(customer_id=customer.id, store_id=store.id, how="reset"),
        )
        session.flush()
