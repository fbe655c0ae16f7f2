"""These tests attack the built-in deployment (real sign-in), not the test kit's."""

from tests.conftest import app, make_tenant, platform_id, runtime  # noqa: F401
