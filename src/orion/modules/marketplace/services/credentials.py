"""A store's Letzshop API key: sealed with the kernel's SecretBox (rotatable keys), answered
masked, checked on request. And the client a store's calls go through, which records
every exchange in `marketplace_api_call` in the caller's transaction (errors from Letzshop
keep what was written, so a failed call stays visible)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.runtime import runtime_of
from orion.kernel.security import SecretDecryptionError, mask
from orion.modules.marketplace.exceptions import LetzshopError, NoCredential
from orion.modules.marketplace.models import LetzshopCall, LetzshopCredential
from orion.modules.marketplace.repository import CallRepository, CredentialRepository
from orion.modules.marketplace.schemas import CallsPublic, CredentialPublic, CredentialUpdate
from orion.modules.marketplace.services import client as letzshop
from orion.modules.marketplace.services.common import settings_of, store_of


def _public(row: LetzshopCredential) -> CredentialPublic:
    return CredentialPublic(
        store_id=row.store_id,
        masked_key=mask("x" * 8 + row.key_last4),
        vendor_slug=row.vendor_slug,
        checked_at=row.checked_at,
        check_ok=row.check_ok,
        check_message=row.check_message,
        last_sync_at=row.last_sync_at,
    )


def get_credential(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID
) -> CredentialPublic | None:
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        row = CredentialRepository(session).of_store(store_id)
        return _public(row) if row else None


def set_credential(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, data: CredentialUpdate
) -> CredentialPublic:
    """Store (or replace) the store's key, sealed; the check is reset."""
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        repo = CredentialRepository(session)
        row = repo.of_store(store_id)
        if row is None:
            row = LetzshopCredential(tenant_id=tenant.tenant_id, store_id=store_id)
            session.add(row)
        row.api_key_encrypted = runtime_of(session).secrets.encrypt(data.api_key)
        row.key_last4 = data.api_key[-4:]
        row.vendor_slug = data.vendor_slug
        row.checked_at = row.check_ok = row.check_message = None
        session.flush()
        return _public(row)


def delete_credential(session: Session, tenant: TenantContext, *, store_id: uuid.UUID) -> None:
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        repo = CredentialRepository(session)
        row = repo.of_store(store_id)
        if row is None:
            raise NoCredential()
        repo.delete(row)


def client_for(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, *, keyless: bool = False
) -> letzshop.LetzshopClient:
    """A client acting with the store's key (409 `letzshop_key_missing` without one), its
    calls recorded for the store."""
    settings = settings_of(session)
    api_key = None
    if not keyless:
        with acting_for(session, tenant):
            row = CredentialRepository(session).of_store(store_id)
            if row is None:
                raise NoCredential()
            try:
                api_key = runtime_of(session).secrets.decrypt(row.api_key_encrypted)
            except SecretDecryptionError:
                raise LetzshopError(
                    "the stored Letzshop key cannot be opened with the configured encryption "
                    "keys: store it again"
                ) from None

    def record(exchange: letzshop.Exchange) -> None:
        with acting_for(session, tenant):
            session.add(
                LetzshopCall(
                    tenant_id=tenant.tenant_id,
                    store_id=store_id,
                    operation=exchange.operation,
                    request=exchange.request,
                    status_code=exchange.status_code,
                    response=exchange.response,
                    error=exchange.error,
                    attempt=exchange.attempt,
                    duration_ms=exchange.duration_ms,
                    created_at=utcnow(),
                )
            )
            session.flush()

    return letzshop.LetzshopClient(
        settings.letzshop_url,
        api_key,
        timeout=settings.timeout_seconds,
        max_attempts=settings.max_attempts,
        backoff=settings.backoff_seconds,
        max_retry_after=settings.max_retry_after_seconds,
        record=record,
    )


def check_credential(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID
) -> CredentialPublic:
    """Ask Letzshop who the key is; the answer (or why it failed) is kept on the key."""
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        row = CredentialRepository(session).of_store(store_id)
        if row is None:
            raise NoCredential()
        try:
            with client_for(session, tenant, store_id) as client:
                data = client.execute("Viewer", letzshop.VIEWER)
            me = data.get("me") or {}
            vendors = ", ".join(v.get("slug", "?") for v in me.get("vendors") or [])
            row.check_ok, row.check_message = True, f"key of {me.get('email', '?')}: {vendors}"
        except LetzshopError as exc:
            row.check_ok, row.check_message = False, exc.message[:1000]
        row.checked_at = utcnow()
        session.flush()
        return _public(row)


def calls_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> CallsPublic:
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        repo = CallRepository(session)
        return repo.listing(
            CallsPublic, repo.in_store(store_id), page, LetzshopCall.created_at.desc()
        )


def stores_with_keys(session: Session) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, store id) of every stored key (platform code: the scheduled sync)."""
    with all_tenants(session):
        return [(r.tenant_id, r.store_id) for r in CredentialRepository(session).list()]
