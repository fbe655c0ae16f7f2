"""The kernel's own tests run on the test kit's deployment (tests/testkit.py)."""

from tests.testkit import app, make_tenant, platform_id, runtime, settings  # noqa: F401
