"""Analytics errors.

Each has a stable `code` and is answered as problem+json; services raise them, never
HTTPException.
"""

from orion.kernel.errors import FieldError, OrionError, ValidationFailed


class AnalyticsError(OrionError):
    """Base of the errors of the analytics module."""

    code = "analytics_error"


class InvalidRange(AnalyticsError, ValidationFailed):
    """A report's date range that cannot be answered (422 naming the field)."""

    code = "invalid_report_range"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, errors=[FieldError(field, message)])
