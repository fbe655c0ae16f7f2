"""Provider keys: stored sealed, answered masked, resolved for a tenant's calls.

`resolve_key(session, tenant, provider)` is the public surface for the modules that call
providers (the AI proxy): the tenant's own active key first (bring your own key), else an
active key of the tenant's platform that allows tenants; `NoProviderKey` (404) otherwise.
It marks the key used (at most once a minute per key, to keep writes off the hot path).

Functions take the session first; they flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import String, delete, literal, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.errors import FieldError
from orion.kernel.runtime import runtime_of
from orion.kernel.security import SecretDecryptionError
from orion.modules.api_keys.exceptions import (
    ApiKeyNameTaken,
    ApiKeyRejected,
    ApiKeyUnreadable,
    NoProviderKey,
)
from orion.modules.api_keys.models import AdminApiKey, ProviderKey, TenantApiKey
from orion.modules.api_keys.repository import AdminApiKeyRepository, TenantApiKeyRepository
from orion.modules.api_keys.schemas import (
    DEFAULT_BASE_URLS,
    AdminApiKeyCreate,
    AdminApiKeysPublic,
    AdminApiKeyUpdate,
    AdminTenantApiKeysPublic,
    Provider,
    ResolvedKey,
    TenantApiKeyCreate,
    TenantApiKeysPublic,
    TenantApiKeyUpdate,
)
from orion.modules.tenancy.events import TenantDeleted

USE_RESOLUTION = timedelta(minutes=1)
VALIDATION_TIMEOUT = 10.0


# -- a tenant's keys ---------------------------------------------------------------------------


def list_tenant_keys(
    session: Session, tenant: TenantContext, *, page: Page
) -> tuple[list[TenantApiKey], int]:
    with acting_for(session, tenant):
        keys = TenantApiKeyRepository(session)
        return keys.page(keys.select(), page, TenantApiKey.provider, TenantApiKey.name)


def _masked(model: type[TenantApiKey] | type[AdminApiKey]) -> dict[str, Any]:
    """`masked_key` in SQL, as the model's property writes it."""
    return {"masked_key": literal("****", String) + model.key_last4}


def tenant_keys_listing(
    session: Session, tenant: TenantContext, *, page: Page
) -> TenantApiKeysPublic:
    """The list route's page (`list_tenant_keys` gives ORM rows)."""
    with acting_for(session, tenant):
        keys = TenantApiKeyRepository(session)
        return keys.listing(
            TenantApiKeysPublic,
            None,
            page,
            TenantApiKey.provider,
            TenantApiKey.name,
            columns=_masked(TenantApiKey),
        )


def get_tenant_key(session: Session, tenant: TenantContext, key_id: uuid.UUID) -> TenantApiKey:
    with acting_for(session, tenant):
        return TenantApiKeyRepository(session).get(key_id)


def create_tenant_key(
    session: Session,
    tenant: TenantContext,
    *,
    data: TenantApiKeyCreate,
    created_by: uuid.UUID | None = None,
) -> TenantApiKey:
    with acting_for(session, tenant):
        row = TenantApiKey(created_by=created_by)
        _fill(session, row, data)
        return _insert(session, row)


def update_tenant_key(
    session: Session, tenant: TenantContext, key_id: uuid.UUID, *, data: TenantApiKeyUpdate
) -> TenantApiKey:
    with acting_for(session, tenant):
        row = TenantApiKeyRepository(session).get(key_id)
        _change(session, row, data)
        return row


def delete_tenant_key(session: Session, tenant: TenantContext, key_id: uuid.UUID) -> None:
    with acting_for(session, tenant):
        keys = TenantApiKeyRepository(session)
        keys.delete(keys.get(key_id))


def list_all_tenant_keys(
    session: Session, *, page: Page, tenant_id: uuid.UUID | None = None
) -> tuple[list[TenantApiKey], int]:
    """Operators: every tenant's keys (answered masked), or one tenant's."""
    keys = TenantApiKeyRepository(session)
    query = keys.select()
    if tenant_id is not None:
        query = query.where(TenantApiKey.tenant_id == tenant_id)
    with all_tenants(session):
        return keys.page(query, page, TenantApiKey.tenant_id, TenantApiKey.provider)


def all_tenant_keys_listing(
    session: Session, *, page: Page, tenant_id: uuid.UUID | None = None
) -> AdminTenantApiKeysPublic:
    """Operators' list route: every tenant's keys (masked), or one tenant's."""
    keys = TenantApiKeyRepository(session)
    query = keys.select()
    if tenant_id is not None:
        query = query.where(TenantApiKey.tenant_id == tenant_id)
    with all_tenants(session):
        return keys.listing(
            AdminTenantApiKeysPublic,
            query,
            page,
            TenantApiKey.tenant_id,
            TenantApiKey.provider,
            columns=_masked(TenantApiKey),
        )


# -- a platform's keys -------------------------------------------------------------------------


def list_admin_keys(
    session: Session, platform_id: uuid.UUID, *, page: Page
) -> tuple[list[AdminApiKey], int]:
    keys = AdminApiKeyRepository(session)
    return keys.page(keys.of_platform(platform_id), page, AdminApiKey.provider, AdminApiKey.name)


def admin_keys_listing(
    session: Session, platform_id: uuid.UUID, *, page: Page
) -> AdminApiKeysPublic:
    keys = AdminApiKeyRepository(session)
    return keys.listing(
        AdminApiKeysPublic,
        keys.of_platform(platform_id),
        page,
        AdminApiKey.provider,
        AdminApiKey.name,
        columns=_masked(AdminApiKey),
    )


def get_admin_key(session: Session, key_id: uuid.UUID) -> AdminApiKey:
    return AdminApiKeyRepository(session).get(key_id)


def create_admin_key(
    session: Session, platform_id: uuid.UUID, *, data: AdminApiKeyCreate
) -> AdminApiKey:
    row = AdminApiKey(platform_id=platform_id, allow_tenants=data.allow_tenants)
    _fill(session, row, data)
    return _insert(session, row)


def update_admin_key(
    session: Session, key_id: uuid.UUID, *, data: AdminApiKeyUpdate
) -> AdminApiKey:
    row = get_admin_key(session, key_id)
    if data.allow_tenants is not None:
        row.allow_tenants = data.allow_tenants
    _change(session, row, data)
    return row


def delete_admin_key(session: Session, key_id: uuid.UUID) -> None:
    keys = AdminApiKeyRepository(session)
    keys.delete(keys.get(key_id))


# -- resolving a key for a call ----------------------------------------------------------------


def resolve_key(session: Session, tenant: TenantContext, provider: Provider | str) -> ResolvedKey:
    """The key a call for `tenant` to `provider` uses: its own, else its platform's."""
    provider = Provider(provider)
    with acting_for(session, tenant):
        own = TenantApiKeyRepository(session).active_for(provider)
        if own is not None:
            return _resolved(session, own, "tenant")
    if tenant.platform_id is not None:
        shared = AdminApiKeyRepository(session).shared_for(tenant.platform_id, provider)
        if shared is not None:
            return _resolved(session, shared, "platform")
    raise NoProviderKey(
        f"no {provider.value} key: store one for the tenant, or ask the platform for one",
        provider=provider.value,
    )


def _resolved(session: Session, row: ProviderKey, source: str) -> ResolvedKey:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= USE_RESOLUTION:
        model = type(row)
        session.execute(
            update(model).where(model.id == row.id).values(last_used_at=now),  # type: ignore[attr-defined]
            execution_options={"synchronize_session": False},
        )
    return ResolvedKey(
        key_id=row.id,  # type: ignore[attr-defined]
        source=source,
        provider=Provider(row.provider),
        base_url=_base_url(row),
        api_key=_open(session, row),
    )


# -- rotation and lifecycle --------------------------------------------------------------------


def rotate_secrets(session: Session) -> int:
    """The `secret_rotation` extension point (`orion keys rotate`): re-seal every stored key
    with the newest encryption key; how many."""
    box = runtime_of(session).secrets
    count = 0
    with all_tenants(session):
        rows: Iterable[ProviderKey] = [
            *TenantApiKeyRepository(session).list(),
            *AdminApiKeyRepository(session).list(),
        ]
        for row in rows:
            try:
                row.key_encrypted = box.rotate(row.key_encrypted)
            except SecretDecryptionError:
                raise ApiKeyUnreadable(
                    f"provider key {row.id}: no configured encryption key opens it; put the "  # type: ignore[attr-defined]
                    "key that sealed it back in ORION_ENCRYPTION_KEYS (or store it again)"
                ) from None
            count += 1
        session.flush()
    return count


def on_tenant_deleted(session: Session, event: TenantDeleted) -> None:
    """tenancy.tenant_deleted: the tenant's keys go with it."""
    with acting_for(session, TenantContext(event.deleted_tenant_id)):
        session.execute(delete(TenantApiKey))


# -- helpers -----------------------------------------------------------------------------------


def _fill(session: Session, row: Any, data: TenantApiKeyCreate | AdminApiKeyCreate) -> None:
    row.provider = data.provider.value
    row.name = data.name
    row.base_url = str(data.base_url).rstrip("/") if data.base_url else None
    _set_key(session, row, data.api_key.get_secret_value(), check=data.validate_key)
    row.is_active = True


def _change(session: Session, row: Any, data: TenantApiKeyUpdate | AdminApiKeyUpdate) -> None:
    if data.name is not None:
        row.name = data.name
    if data.base_url is not None:
        row.base_url = str(data.base_url).rstrip("/")
    if data.is_active is not None:
        row.is_active = data.is_active
    if data.api_key is not None:
        _set_key(session, row, data.api_key.get_secret_value(), check=data.validate_key)
    elif data.validate_key:
        _check(row, _open(session, row).get_secret_value())
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _name_taken(row.name) from None


def _set_key(session: Session, row: Any, plaintext: str, *, check: bool) -> None:
    if check:
        _check(row, plaintext)
    row.key_encrypted = runtime_of(session).secrets.encrypt(plaintext)
    row.key_last4 = plaintext[-4:]


def _check(row: Any, plaintext: str) -> None:
    """Ask the provider for its models with the key: the cheapest call that proves it."""
    url = f"{_base_url(row)}/models"
    if row.provider == Provider.ANTHROPIC:
        headers = {"x-api-key": plaintext, "anthropic-version": "2023-06-01"}
    else:
        headers = {"Authorization": f"Bearer {plaintext}"}
    try:
        response = httpx.get(url, headers=headers, timeout=VALIDATION_TIMEOUT)
    except httpx.HTTPError as exc:
        raise ApiKeyRejected(
            f"the provider could not be reached to check the key ({type(exc).__name__})",
            errors=[FieldError("base_url", "not reachable")],
        ) from None
    if response.status_code in (401, 403):
        raise ApiKeyRejected(
            "the provider refused the key",
            errors=[FieldError("api_key", "refused by the provider")],
        )
    if response.status_code >= 400:
        raise ApiKeyRejected(
            f"the provider answered {response.status_code} when the key was checked",
            errors=[FieldError("base_url", f"answered {response.status_code}")],
        )
    row.last_validated_at = utcnow()


def _insert(session: Session, row: Any) -> Any:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise _name_taken(row.name) from None
    return row


def _name_taken(name: str) -> ApiKeyNameTaken:
    return ApiKeyNameTaken(
        f"a key named {name!r} exists for this provider",
        errors=[FieldError("name", "taken for this provider")],
    )


def _base_url(row: Any) -> str:
    return row.base_url or DEFAULT_BASE_URLS[Provider(row.provider)]


def _open(session: Session, row: Any) -> SecretStr:
    try:
        return SecretStr(runtime_of(session).secrets.decrypt(row.key_encrypted))
    except SecretDecryptionError:
        raise ApiKeyUnreadable(
            f"provider key {row.id}: no configured encryption key opens it; store it again"
        ) from None
