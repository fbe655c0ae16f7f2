"""Queries on provider keys: a tenant's own (filtered to the session's tenant by the kernel)
and a platform's."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.api_keys.exceptions import ApiKeyNotFound
from orion.modules.api_keys.models import AdminApiKey, TenantApiKey


class TenantApiKeyRepository(RepositoryBase[TenantApiKey]):
    model = TenantApiKey
    not_found = ApiKeyNotFound
    label = "provider key"

    def active_for(self, provider: str) -> TenantApiKey | None:
        """The session tenant's oldest active key for `provider`."""
        return self.first(
            self.select()
            .where(TenantApiKey.provider == provider, TenantApiKey.is_active.is_(True))
            .order_by(TenantApiKey.created_at, TenantApiKey.id)
        )


class AdminApiKeyRepository(RepositoryBase[AdminApiKey]):
    model = AdminApiKey
    not_found = ApiKeyNotFound
    label = "provider key"

    def of_platform(self, platform_id: uuid.UUID) -> Select[Any]:
        return self.select().where(AdminApiKey.platform_id == platform_id)

    def shared_for(self, platform_id: uuid.UUID, provider: str) -> AdminApiKey | None:
        """The platform's oldest active key for `provider` that tenants may use."""
        return self.first(
            self.of_platform(platform_id)
            .where(
                AdminApiKey.provider == provider,
                AdminApiKey.is_active.is_(True),
                AdminApiKey.allow_tenants.is_(True),
            )
            .order_by(AdminApiKey.created_at, AdminApiKey.id)
        )
