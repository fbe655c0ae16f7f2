"""The tenant's provider accounts: its Stripe keys (sealed with the kernel's SecretBox) and
the bank account customers transfer to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.runtime import Runtime, runtime_of
from orion.kernel.security import SecretDecryptionError, mask
from orion.modules.payments.exceptions import (
    PaymentInvalid,
    ProviderNotConfigured,
    SecretUnreadable,
)
from orion.modules.payments.models import BankAccount, StripeAccount
from orion.modules.payments.providers import Credentials
from orion.modules.payments.repository import BankAccountRepository, StripeAccountRepository
from orion.modules.payments.schemas import (
    AccountsPublic,
    BankAccountPublic,
    BankAccountUpdate,
    Provider,
    StripeAccountPublic,
    StripeAccountUpdate,
)
from orion.modules.payments.settings import PaymentsSettings, settings_from


def payments_settings(session: Session) -> PaymentsSettings:
    return settings_from_runtime(runtime_of(session))


def settings_from_runtime(runtime: Runtime) -> PaymentsSettings:
    return settings_from(runtime.settings.modules.get("payments"))


def stripe_public(account: StripeAccount) -> StripeAccountPublic:
    return StripeAccountPublic(
        secret_key_hint=account.secret_key_hint,
        has_webhook_secret=account.webhook_secret_sealed is not None,
        publishable_key=account.publishable_key,
        enabled=account.enabled,
        updated_at=account.updated_at,
    )


def provider_accounts(session: Session, tenant: TenantContext) -> AccountsPublic:
    with acting_for(session, tenant):
        stripe = StripeAccountRepository(session).current()
        bank = BankAccountRepository(session).current()
        return AccountsPublic(
            stripe=stripe_public(stripe) if stripe else None,
            bank_transfer=BankAccountPublic.model_validate(bank) if bank else None,
        )


def configure_stripe(
    session: Session, tenant: TenantContext, *, data: StripeAccountUpdate
) -> StripeAccount:
    """Store (or change) the tenant's Stripe keys; the secret ones sealed."""
    box = runtime_of(session).secrets
    with acting_for(session, tenant):
        repository = StripeAccountRepository(session)
        account = repository.current()
        if account is None:
            if data.secret_key is None:
                raise PaymentInvalid.field("secret_key", "is required to connect Stripe")
            account = StripeAccount(tenant_id=tenant.tenant_id, secret_key_sealed="")
            session.add(account)
        if data.secret_key is not None:
            secret = data.secret_key.get_secret_value()
            account.secret_key_sealed = box.encrypt(secret)
            account.secret_key_hint = f"{secret[:8]}{mask(secret)}"
        if data.webhook_secret is not None:
            account.webhook_secret_sealed = box.encrypt(data.webhook_secret.get_secret_value())
        if data.publishable_key is not None:
            account.publishable_key = data.publishable_key
        if data.enabled is not None:
            account.enabled = data.enabled
        session.flush()
        return account


def configure_bank(
    session: Session, tenant: TenantContext, *, data: BankAccountUpdate
) -> BankAccount:
    with acting_for(session, tenant):
        repository = BankAccountRepository(session)
        account = repository.current()
        if account is None:
            account = BankAccount(tenant_id=tenant.tenant_id, **data.model_dump())
            session.add(account)
        else:
            for name, value in data.model_dump().items():
                setattr(account, name, value)
        session.flush()
        return account


def _open(session: Session, sealed: str, what: str) -> str:
    try:
        return runtime_of(session).secrets.decrypt(sealed)
    except SecretDecryptionError:
        raise SecretUnreadable(
            f"the stored {what} cannot be opened with the configured encryption keys; "
            "store it again"
        ) from None


def credentials(session: Session, tenant: TenantContext, provider: str) -> Credentials:
    """What a call to `provider` needs for this tenant, opened just before the call;
    409 `payment_provider_not_configured` when the tenant has not set it up."""
    with acting_for(session, tenant):
        if provider == Provider.STRIPE:
            account = StripeAccountRepository(session).current()
            if account is None or not account.enabled:
                raise ProviderNotConfigured("this store does not take card payments (Stripe)")
            return Credentials(
                secret_key=_open(session, account.secret_key_sealed, "Stripe secret key"),
                webhook_secret=_open(session, account.webhook_secret_sealed, "webhook secret")
                if account.webhook_secret_sealed
                else None,
                publishable_key=account.publishable_key,
            )
        bank = BankAccountRepository(session).current()
        if bank is None or not bank.enabled:
            raise ProviderNotConfigured("this store does not take bank transfers")
        return Credentials()


def bank_account(session: Session, tenant: TenantContext) -> BankAccount | None:
    with acting_for(session, tenant):
        return BankAccountRepository(session).current()


def rotate_secrets(session: Session) -> int:
    """Re-seal every stored Stripe key with the newest encryption key (`orion keys rotate`,
    the `secret_rotation` extension point); how many were re-sealed."""
    box = runtime_of(session).secrets
    count = 0
    with all_tenants(session):
        for account in StripeAccountRepository(session).list():
            try:
                account.secret_key_sealed = box.rotate(account.secret_key_sealed)
                count += 1
                if account.webhook_secret_sealed:
                    account.webhook_secret_sealed = box.rotate(account.webhook_secret_sealed)
                    count += 1
            except SecretDecryptionError:
                raise SecretUnreadable(
                    f"the Stripe keys of tenant {account.tenant_id} cannot be opened with the "
                    "configured encryption keys; put the key that sealed them back in "
                    "ORION_ENCRYPTION_KEYS and retry"
                ) from None
        session.flush()
    return count
