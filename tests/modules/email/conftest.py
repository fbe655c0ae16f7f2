import pytest


@pytest.fixture
def make_tenant(id_make_tenant):  # type: ignore[no-untyped-def]
    """Tenants made through the tenancy module (not the kernel's testkit directory)."""
    return id_make_tenant
