"""auth errors. Each has a stable `code`; bad input names its field."""

from __future__ import annotations

from typing import Any

from orion.kernel.errors import (
    BadRequest,
    Conflict,
    FieldError,
    Gone,
    NotFound,
    OrionError,
    PermissionDenied,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)


class AuthError(OrionError):
    code = "auth_error"


class KeepsChanges(Exception):
    """Mixin of the auth errors after which the unit of work still commits
    (`OrionError.keeps_changes`): a failed sign-in stays counted, a reused refresh token's
    family stays revoked."""

    keeps_changes = True


class WeakPassword(ValidationFailed):
    code = "weak_password"

    def __init__(self, reason: str, *, field: str = "password") -> None:
        super().__init__(
            f"the password is too weak: {reason}",
            errors=[FieldError(field, reason, "weak_password")],
        )


class InvalidEmail(ValidationFailed):
    code = "invalid_email"

    def __init__(self, reason: str, *, field: str = "email") -> None:
        super().__init__(
            f"the email address is not valid: {reason}",
            errors=[FieldError(field, reason, "invalid_email")],
        )


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self, email: str, *, field: str = "email") -> None:
        super().__init__(
            f"an account with the email {email} already exists",
            errors=[FieldError(field, "already registered", "email_taken")],
        )


class UserNotFound(NotFound):
    code = "user_not_found"


class RegistrationClosed(PermissionDenied):
    code = "registration_closed"


class InvalidCredentials(KeepsChanges, Unauthenticated):
    code = "invalid_credentials"

    def __init__(self, message: str = "incorrect email or password", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class AccountDisabled(KeepsChanges, Unauthenticated):
    code = "account_disabled"

    def __init__(self, message: str = "this account is disabled", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class LoginThrottled(TooManyRequests):
    code = "login_throttled"


class RefreshTokenInvalid(KeepsChanges, Unauthenticated):
    """Unknown, expired, revoked or reused refresh token (reuse revokes the family)."""

    code = "refresh_token_invalid"


class IncorrectPassword(BadRequest):
    code = "incorrect_password"

    def __init__(self, field: str = "current_password") -> None:
        super().__init__(
            "the current password is incorrect",
            errors=[FieldError(field, "incorrect password", "incorrect_password")],
        )


class ResetTokenInvalid(BadRequest):
    code = "reset_token_invalid"

    def __init__(self, message: str = "the password reset token is not valid") -> None:
        super().__init__(message, errors=[FieldError("token", message, "reset_token_invalid")])


class ResetTokenUsed(Conflict):
    code = "reset_token_used"

    def __init__(self) -> None:
        message = "the password reset token was already used; request a new one"
        super().__init__(message, errors=[FieldError("token", message, "reset_token_used")])


class ResetTokenExpired(Gone):
    code = "reset_token_expired"

    def __init__(self) -> None:
        message = "the password reset token has expired; request a new one"
        super().__init__(message, errors=[FieldError("token", message, "reset_token_expired")])


class InvalidScopes(ValidationFailed):
    code = "invalid_scopes"

    def __init__(self, message: str) -> None:
        super().__init__(message, errors=[FieldError("scopes", message, "invalid_scopes")])


class AccessTokenNotFound(NotFound):
    code = "access_token_not_found"


class AccessTokensNeedAUser(PermissionDenied):
    code = "access_token_not_allowed"


class LastSuperadmin(Conflict):
    code = "last_superadmin"


class NotAMember(PermissionDenied):
    code = "not_a_member"
