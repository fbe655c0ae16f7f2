"""Errors: `OrionError` and its kinds, answered as RFC 9457 problem+json.

Services raise these (never `HTTPException`); the app turns them into
`{"type", "title", "status", "detail", "code", "instance", "request_id", "errors"?}`.
Each module declares its own base in `exceptions.py` with a stable `code` per error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    type: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "type": self.type}


class OrionError(Exception):
    """Base of every error Orion answers on purpose. `code` is stable; `message` is for people."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    # True: the unit of work still commits what it wrote before this error answered it
    # (a failed sign-in is counted, a reused refresh token's family stays revoked).
    keeps_changes: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        status: int | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status  # type: ignore[misc]  # this one error's own status
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.message = message
        self.errors = tuple(errors)
        self.headers = headers or {}
        self.extra = extra

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    def problem(self, *, instance: str | None = None, request_id: str | None = None) -> dict:
        body: dict[str, Any] = {
            "type": f"https://orion.dev/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.message,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if request_id:
            body["request_id"] = request_id
        if self.errors:
            body["errors"] = [error.as_dict() for error in self.errors]
        # Extra members add context (the module, the limit); they never replace the standard ones.
        body.update({key: value for key, value in self.extra.items() if key not in body})
        return body


class BadRequest(OrionError):
    status = 400
    code = "bad_request"


class ValidationFailed(OrionError):
    status = 422
    code = "validation_failed"


class Unauthenticated(OrionError):
    status = 401
    code = "not_authenticated"

    def __init__(self, message: str = "authentication required", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class PermissionDenied(OrionError):
    status = 403
    code = "permission_denied"


class NotFound(OrionError):
    status = 404
    code = "not_found"


class TenantNotFound(NotFound):
    """A tenant named by id (an operator route, a task) does not exist."""

    code = "tenant_not_found"


class StoreNotFound(NotFound):
    """A store named by id does not exist, belongs to another tenant, or is one the caller's
    membership does not reach (the same answer, so a store's existence does not leak)."""

    code = "store_not_found"


class Conflict(OrionError):
    status = 409
    code = "conflict"


class Gone(OrionError):
    """Existed, and will not again: an expired or revoked one-time token."""

    status = 410
    code = "gone"


class PaymentRequired(OrionError):
    status = 402
    code = "payment_required"


class TooManyRequests(OrionError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(message, retry_after=retry_after, **kwargs)


class ModuleNotEnabled(OrionError):
    status = 403
    code = "module_not_enabled"

    def __init__(self, module: str, *, scope: str = "tenant") -> None:
        super().__init__(f"module {module} is not enabled for this {scope}", module=module)


class ServiceUnavailable(OrionError):
    status = 503
    code = "service_unavailable"


class TransientError(OrionError):
    """A failure worth retrying (a remote system timed out, a lock was busy)."""

    status = 503
    code = "transient_error"


def problem_for_status(status: int, detail: str | None = None) -> OrionError:
    """An OrionError for a bare HTTP status (unknown route, wrong method)."""
    phrase = HTTPStatus(status).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    return OrionError(detail or phrase, status=status, code=code)


class InternalError(OrionError):
    status = 500
    code = "internal_error"
