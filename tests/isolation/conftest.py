from __future__ import annotations

import pytest

from tests.isolation.test_isolation import ISOLATION_REPORT


def pytest_terminal_summary(terminalreporter, config) -> None:  # type: ignore[no-untyped-def]
    counts = config.stash.get(ISOLATION_REPORT, None)
    if counts:
        terminalreporter.write_line(
            f"isolation: {counts['routes']} routes in the API; {counts['unauthenticated']} "
            f"refused without credentials, {counts['admin_forbidden']} admin routes refused "
            f"to a member, {counts['cross_tenant']} routes answered 404 to another tenant"
        )


__all__ = ["pytest"]
