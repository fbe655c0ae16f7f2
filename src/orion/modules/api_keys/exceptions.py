"""api_keys errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import Conflict, NotFound, OrionError, ValidationFailed


class ApiKeysError(OrionError):
    code = "api_keys_error"


class ApiKeyNotFound(ApiKeysError, NotFound):
    code = "api_key_not_found"


class ApiKeyNameTaken(ApiKeysError, Conflict):
    code = "api_key_name_taken"


class ApiKeyRejected(ApiKeysError, ValidationFailed):
    """The provider refused the key when it was checked on save."""

    code = "api_key_rejected"


class NoProviderKey(ApiKeysError, NotFound):
    """Neither the tenant nor its platform has a usable key for the provider."""

    code = "no_provider_key"


class ApiKeyUnreadable(ApiKeysError):
    status = 500
    code = "api_key_unreadable"
