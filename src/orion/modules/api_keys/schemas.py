"""Provider key schemas. Seed names kept: TenantApiKey (the model), TenantApiKeyCreate,
TenantApiKeyPublic, TenantApiKeyUpdate, AdminApiKey (the model), AdminApiKeyCreate,
AdminApiKeyPublic, AdminApiKeyUpdate, AdminTenantApiKeyPublic. A key is never answered:
`masked_key` shows its last four characters."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    UrlConstraints,
    ValidationInfo,
    field_validator,
)

from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null

Name = Annotated[str, Field(min_length=1, max_length=100)]
Key = Annotated[SecretStr, Field(min_length=8, max_length=500)]
BaseUrl = Annotated[HttpUrl, UrlConstraints(max_length=500)]  # the column's length


class Provider(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OPENAI_COMPATIBLE = "openai_compatible"


DEFAULT_BASE_URLS = {
    Provider.OPENAI: "https://api.openai.com/v1",
    Provider.ANTHROPIC: "https://api.anthropic.com/v1",
}


class _KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Provider
    name: Name = "default"
    api_key: Key
    base_url: BaseUrl | None = Field(
        default=None,
        validate_default=True,
        description="Required for openai_compatible; overrides the provider's default URL",
    )
    validate_key: bool = Field(
        default=False, description="Call the provider once (list its models) before storing"
    )

    @field_validator("base_url")
    @classmethod
    def _needs_url(cls, value: HttpUrl | None, info: ValidationInfo) -> HttpUrl | None:
        if value is None and info.data.get("provider") is Provider.OPENAI_COMPATIBLE:
            raise ValueError("required for an openai_compatible provider")
        return value


class _KeyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    api_key: Key | None = None
    base_url: BaseUrl | None = None
    is_active: bool | None = None
    validate_key: bool = False

    # May be left out (unchanged), never null: a key always has these.
    _required = not_null("name", "api_key", "is_active")


class TenantApiKeyCreate(_KeyCreate):
    pass


class TenantApiKeyUpdate(_KeyUpdate):
    pass


class AdminApiKeyCreate(_KeyCreate):
    allow_tenants: bool = Field(
        default=True, description="Tenants without a key of their own may use this one"
    )


class AdminApiKeyUpdate(_KeyUpdate):
    allow_tenants: bool | None = None

    _allow_tenants_required = not_null("allow_tenants")


class _KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: Provider
    name: str
    base_url: str | None
    masked_key: str
    is_active: bool
    last_used_at: datetime | None
    last_validated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TenantApiKeyPublic(_KeyPublic):
    pass


TenantApiKeysPublic = Listing[TenantApiKeyPublic]


class AdminTenantApiKeyPublic(_KeyPublic):
    """A tenant's key as operators see it: masked, with its tenant."""

    tenant_id: uuid.UUID


AdminTenantApiKeysPublic = Listing[AdminTenantApiKeyPublic]


class AdminApiKeyPublic(_KeyPublic):
    platform_id: uuid.UUID
    allow_tenants: bool


AdminApiKeysPublic = Listing[AdminApiKeyPublic]


class ResolvedKey(BaseModel):
    """A usable key, decrypted, for the module making the call. Never answered."""

    key_id: uuid.UUID
    source: str  # "tenant" or "platform"
    provider: Provider
    base_url: str
    api_key: SecretStr
