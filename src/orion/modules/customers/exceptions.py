"""Customers errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from typing import Any

from orion.kernel.errors import (
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


class CustomersError(OrionError):
    code = "customers_error"


class CustomerNotFound(CustomersError, NotFound):
    code = "customer_not_found"


class AddressNotFound(CustomersError, NotFound):
    code = "customer_address_not_found"


class CustomerEmailTaken(CustomersError, Conflict):
    """Another customer of the store has this address (whatever its case)."""

    code = "customer_email_taken"

    def __init__(self, email: str, *, hint: str | None = None) -> None:
        message = f"a customer of this store already has the email {email}"
        if hint:
            message += f"; {hint}"
        super().__init__(message, errors=[FieldError("email", message, type="taken")], email=email)


class WeakPassword(CustomersError, ValidationFailed):
    code = "weak_password"

    def __init__(self, message: str, *, field: str = "password") -> None:
        super().__init__(message, errors=[FieldError(field, message, type="weak")])


class WrongPassword(CustomersError, ValidationFailed):
    """The current password given to confirm a change does not match."""

    code = "wrong_password"

    def __init__(self, field: str = "current_password") -> None:
        message = "the current password is not right"
        super().__init__(message, errors=[FieldError(field, message, type="wrong")])


class InvalidCredentials(CustomersError, Unauthenticated):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("the email or the password is not right")


class CustomerDisabled(CustomersError, PermissionDenied):
    code = "customer_disabled"

    def __init__(self) -> None:
        super().__init__("this customer account is disabled; contact the store")


class SignInThrottled(CustomersError, TooManyRequests):
    code = "sign_in_throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after} s", retry_after=retry_after
        )


class CustomerErased(CustomersError, Conflict):
    """An erased customer's row stays (for the orders' sake) but cannot change."""

    code = "customer_erased"

    def __init__(self, **extra: Any) -> None:
        super().__init__("this customer was erased; nothing of it can change", **extra)


class ResetTokenInvalid(CustomersError, ValidationFailed):
    code = "reset_token_invalid"

    def __init__(self) -> None:
        message = "the reset token is not valid"
        super().__init__(message, errors=[FieldError("token", message)])


class ResetTokenUsed(CustomersError, Gone):
    code = "reset_token_used"

    def __init__(self) -> None:
        message = "the reset token was already used; ask for a new one"
        super().__init__(message, errors=[FieldError("token", message, type="used")])


class ResetTokenExpired(CustomersError, Gone):
    code = "reset_token_expired"

    def __init__(self) -> None:
        message = "the reset token has expired; ask for a new one"
        super().__init__(message, errors=[FieldError("token", message, type="expired")])
