"""The core module's tests show the menu and module states with the test kit's modules."""

from tests.testkit import app, make_tenant, platform_id, runtime, settings  # noqa: F401
